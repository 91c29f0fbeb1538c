//! `PaginationStream`: pages (or items) of a paginated operation, fetched
//! one request at a time as the caller asks for them.

use std::collections::VecDeque;

use crate::http::BoxFuture;

/// Produces the next element of a pagination stream; generated paginators
/// implement it.
pub trait PageSource<T>: Send {
    /// The next element, or `None` when there are no more.
    fn next(&mut self) -> BoxFuture<'_, Option<T>>;
}

/// A stream of pages or items. Each `next()` sends at most one request.
///
/// Pagination stops after a page without a next token, after a page whose
/// token repeats the one just sent (a service bug that would loop forever),
/// and after the first error, which is yielded.
pub struct PaginationStream<T> {
    source: Box<dyn PageSource<T>>,
}

impl<T> std::fmt::Debug for PaginationStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PaginationStream")
    }
}

impl<T: Send + 'static> PaginationStream<T> {
    /// A stream over `source`.
    pub fn new(source: impl PageSource<T> + 'static) -> Self {
        PaginationStream { source: Box::new(source) }
    }

    /// The next element.
    pub async fn next(&mut self) -> Option<T> {
        self.source.next().await
    }

    /// Every remaining element.
    pub async fn collect<C: FromIterator<T>>(mut self) -> C {
        let mut all = Vec::new();
        while let Some(x) = self.next().await {
            all.push(x);
        }
        all.into_iter().collect()
    }
}

impl<O: Send + 'static, E: Send + 'static> PaginationStream<Result<O, E>> {
    /// Every remaining element, or the first error.
    pub async fn try_collect(mut self) -> Result<Vec<O>, E> {
        let mut all = Vec::new();
        while let Some(x) = self.next().await {
            all.push(x?);
        }
        Ok(all)
    }

    /// The items of each page, one by one; `items` takes a page's items out of it.
    pub fn flat_map_items<I: Send + 'static>(self, items: fn(O) -> Vec<I>) -> PaginationStream<Result<I, E>> {
        PaginationStream::new(Items { pages: self, buffer: VecDeque::new(), items, done: false })
    }
}

struct Items<O, E, I> {
    pages: PaginationStream<Result<O, E>>,
    buffer: VecDeque<I>,
    items: fn(O) -> Vec<I>,
    done: bool,
}

impl<O: Send + 'static, E: Send + 'static, I: Send + 'static> PageSource<Result<I, E>> for Items<O, E, I> {
    fn next(&mut self) -> BoxFuture<'_, Option<Result<I, E>>> {
        Box::pin(async move {
            loop {
                if let Some(item) = self.buffer.pop_front() {
                    return Some(Ok(item));
                }
                if self.done {
                    return None;
                }
                match self.pages.next().await {
                    None => {
                        self.done = true;
                        return None;
                    }
                    Some(Err(e)) => {
                        self.done = true;
                        return Some(Err(e));
                    }
                    Some(Ok(page)) => self.buffer.extend((self.items)(page)),
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Counting {
        pages: Vec<Result<Vec<u32>, String>>,
    }

    impl PageSource<Result<Vec<u32>, String>> for Counting {
        fn next(&mut self) -> BoxFuture<'_, Option<Result<Vec<u32>, String>>> {
            Box::pin(async move { (!self.pages.is_empty()).then(|| self.pages.remove(0)) })
        }
    }

    #[tokio::test]
    async fn items_flatten_pages_and_stop_at_the_first_error() {
        let pages = Counting { pages: vec![Ok(vec![1, 2]), Ok(vec![]), Ok(vec![3]), Err("boom".into()), Ok(vec![4])] };
        let items: Vec<Result<u32, String>> = PaginationStream::new(pages).flat_map_items(|p| p).collect().await;
        assert_eq!(items, [Ok(1), Ok(2), Ok(3), Err("boom".to_owned())]);
        let pages = Counting { pages: vec![Ok(vec![1]), Ok(vec![2])] };
        assert_eq!(PaginationStream::new(pages).try_collect().await, Ok(vec![vec![1], vec![2]]));
    }
}
