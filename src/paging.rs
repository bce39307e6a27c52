//! Pages of a list: which rows a page number shows, and whether there are pages either side.
//! Lists fetch one row more than a page to learn whether an older page exists, without a count.

/// One page of a list, from a (possibly absent, possibly hostile) page number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    pub number: u32,
    pub per_page: u32,
}

impl Page {
    pub fn new(number: Option<u32>, per_page: u32) -> Page {
        Page {
            number: number.unwrap_or(1).max(1),
            per_page: per_page.max(1),
        }
    }

    /// Rows to skip; saturates, so a huge page number asks for an empty page, not an overflow.
    pub fn offset(self) -> u32 {
        (self.number - 1).saturating_mul(self.per_page)
    }

    /// How many rows to fetch: the page, plus one to tell whether there is a next page.
    pub fn fetch(self) -> u32 {
        self.per_page.saturating_add(1)
    }

    /// Cuts the fetched rows to the page and says which neighbouring page numbers exist.
    pub fn split<T>(self, mut rows: Vec<T>) -> (Vec<T>, Option<u32>, Option<u32>) {
        let more = rows.len() > self.per_page as usize;
        rows.truncate(self.per_page as usize);
        let prev = (self.number > 1).then(|| self.number - 1);
        let next = more.then(|| self.number.saturating_add(1));
        (rows, prev, next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_start_at_one_and_never_overflow() {
        assert_eq!(Page::new(None, 20).offset(), 0);
        assert_eq!(Page::new(Some(0), 20).number, 1);
        assert_eq!(Page::new(Some(3), 20).offset(), 40);
        assert_eq!(Page::new(Some(u32::MAX), 50).offset(), u32::MAX);
    }

    #[test]
    fn split_finds_the_neighbours() {
        let page = Page::new(Some(2), 2);
        assert_eq!(page.split(vec![1, 2, 3]), (vec![1, 2], Some(1), Some(3)));
        assert_eq!(page.split(vec![1]), (vec![1], Some(1), None));
        assert_eq!(
            Page::new(None, 2).split(vec![1, 2]),
            (vec![1, 2], None, None)
        );
    }
}
