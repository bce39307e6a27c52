//! A bound on how deeply HTML from elsewhere may nest, checked before any other parser sees it.
//!
//! Two parsers Porch uses suffer from depth: the microformats parser walks the tree recursively
//! (about 6,000 nested elements overflow a thread's stack and abort the process), and html5ever's
//! tree builder, under scraper and ammonia, scans its stack of open elements for most tags, so
//! its work grows with size times depth (42,000 nested `<div>`s take seconds). A hostile page or
//! activity must cost neither.
//!
//! So remote HTML is first parsed here by html5ever into scraper's tree, with a sink that
//! measures the depth of every element as it is inserted. The text is fed in small chunks and
//! parsing stops at the first chunk that went too deep, so the work done is at most size times
//! `MAX_DEPTH`: linear. A tree that passes is measured once more as a whole (the adoption agency
//! can move elements after insertion), without recursion. Only then may the other parsers run.

use std::borrow::Cow;
use std::cell::Cell;

use ego_tree::iter::Edge;
use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::tree_builder::{ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::{Attribute, QualName, local_name, ns};
use scraper::{Html, HtmlTreeSink};

/// The deepest nesting accepted. Real pages nest a few dozen elements deep; browsers stop
/// laying out at 512 (Chromium) and so does this. At this depth the recursive microformats
/// parser stays well inside a 2 MiB thread stack.
pub const MAX_DEPTH: usize = 512;
/// How much text is parsed between two depth checks. Small enough that a chunk of nothing but
/// start tags adds little work past the limit; large enough that checking costs nothing.
const CHUNK_BYTES: usize = 4096;

/// The HTML nests deeper than `MAX_DEPTH`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the HTML nests more than {MAX_DEPTH} elements deep")]
pub struct TooDeep;

/// Parses a whole page, refusing one that nests too deeply.
pub fn parse_document(html: &str) -> Result<Html, TooDeep> {
    let sink = Guarded::new(Html::new_document());
    run(html5ever::parse_document(sink, Default::default()), html)
}

/// Parses a piece of HTML as the content of a `<body>`, refusing one that nests too deeply.
pub fn parse_fragment(html: &str) -> Result<Html, TooDeep> {
    let sink = Guarded::new(Html::new_fragment());
    let parser = html5ever::parse_fragment(
        sink,
        Default::default(),
        QualName::new(None, ns!(html), local_name!("body")),
        Vec::new(),
        false,
    );
    run(parser, html)
}

/// Whether a piece of HTML is safe to hand to the other parsers.
pub fn check_fragment(html: &str) -> Result<(), TooDeep> {
    parse_fragment(html).map(drop)
}

fn run(mut parser: html5ever::Parser<Guarded>, html: &str) -> Result<Html, TooDeep> {
    let mut rest = html;
    while !rest.is_empty() {
        let mut end = rest.len().min(CHUNK_BYTES);
        while !rest.is_char_boundary(end) {
            end += 1;
        }
        let (chunk, after) = rest.split_at(end);
        parser.process(StrTendril::from_slice(chunk));
        if parser.tokenizer.sink.sink.too_deep.get() {
            return Err(TooDeep);
        }
        rest = after;
    }
    let html = parser.finish();
    if max_depth(&html) > MAX_DEPTH {
        return Err(TooDeep);
    }
    Ok(html)
}

/// The sum of every element's depth: the work of parsers that copy each element's subtree as
/// they walk (the microformats crate does), which grows with size times depth.
pub fn depth_sum(html: &Html) -> usize {
    let (mut depth, mut sum) = (0usize, 0usize);
    for edge in html.tree.root().traverse() {
        match edge {
            Edge::Open(node) => {
                depth += 1;
                if node.value().is_element() {
                    sum = sum.saturating_add(depth);
                }
            }
            Edge::Close(_) => depth = depth.saturating_sub(1),
        }
    }
    sum
}

/// The depth of the deepest node, walking the tree without recursion.
fn max_depth(html: &Html) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    for edge in html.tree.root().traverse() {
        match edge {
            Edge::Open(_) => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            Edge::Close(_) => depth = depth.saturating_sub(1),
        }
    }
    // The document or fragment node itself is not nesting.
    deepest.saturating_sub(1)
}

/// scraper's tree sink, noting when an element is inserted deeper than `MAX_DEPTH`.
struct Guarded {
    inner: HtmlTreeSink,
    too_deep: Cell<bool>,
}

impl Guarded {
    fn new(html: Html) -> Guarded {
        Guarded {
            inner: HtmlTreeSink::new(html),
            too_deep: Cell::new(false),
        }
    }

    /// Notes an element placed under `parent` if that is too deep. The walk up is cut off at
    /// the limit, so each insertion costs at most `MAX_DEPTH` steps.
    fn measure(&self, parent: &ego_tree::NodeId, child: &NodeOrText<ego_tree::NodeId>) {
        if !matches!(child, NodeOrText::AppendNode(_)) || self.too_deep.get() {
            return;
        }
        let html = self.inner.0.borrow();
        let depth = html
            .tree
            .get(*parent)
            .map_or(0, |node| node.ancestors().take(MAX_DEPTH + 1).count());
        if depth >= MAX_DEPTH {
            self.too_deep.set(true);
        }
    }
}

impl TreeSink for Guarded {
    type Handle = ego_tree::NodeId;
    type Output = Html;
    type ElemName<'a> = <HtmlTreeSink as TreeSink>::ElemName<'a>;

    fn finish(self) -> Html {
        self.inner.finish()
    }

    fn parse_error(&self, msg: Cow<'static, str>) {
        self.inner.parse_error(msg)
    }

    fn get_document(&self) -> Self::Handle {
        self.inner.get_document()
    }

    fn elem_name<'a>(&'a self, target: &'a Self::Handle) -> Self::ElemName<'a> {
        self.inner.elem_name(target)
    }

    fn create_element(
        &self,
        name: QualName,
        attrs: Vec<Attribute>,
        flags: ElementFlags,
    ) -> Self::Handle {
        self.inner.create_element(name, attrs, flags)
    }

    fn create_comment(&self, text: StrTendril) -> Self::Handle {
        self.inner.create_comment(text)
    }

    fn create_pi(&self, target: StrTendril, data: StrTendril) -> Self::Handle {
        self.inner.create_pi(target, data)
    }

    fn append(&self, parent: &Self::Handle, child: NodeOrText<Self::Handle>) {
        self.measure(parent, &child);
        self.inner.append(parent, child)
    }

    fn append_based_on_parent_node(
        &self,
        element: &Self::Handle,
        prev_element: &Self::Handle,
        child: NodeOrText<Self::Handle>,
    ) {
        self.measure(prev_element, &child);
        self.inner
            .append_based_on_parent_node(element, prev_element, child)
    }

    fn append_doctype_to_document(
        &self,
        name: StrTendril,
        public_id: StrTendril,
        system_id: StrTendril,
    ) {
        self.inner
            .append_doctype_to_document(name, public_id, system_id)
    }

    fn get_template_contents(&self, target: &Self::Handle) -> Self::Handle {
        self.inner.get_template_contents(target)
    }

    fn same_node(&self, x: &Self::Handle, y: &Self::Handle) -> bool {
        self.inner.same_node(x, y)
    }

    fn set_quirks_mode(&self, mode: QuirksMode) {
        self.inner.set_quirks_mode(mode)
    }

    fn append_before_sibling(&self, sibling: &Self::Handle, new_node: NodeOrText<Self::Handle>) {
        // A node put before `sibling` sits at the sibling's depth: measure from its parent.
        let parent = self
            .inner
            .0
            .borrow()
            .tree
            .get(*sibling)
            .and_then(|s| s.parent())
            .map(|p| p.id());
        if let Some(parent) = parent {
            self.measure(&parent, &new_node);
        }
        self.inner.append_before_sibling(sibling, new_node)
    }

    fn add_attrs_if_missing(&self, target: &Self::Handle, attrs: Vec<Attribute>) {
        self.inner.add_attrs_if_missing(target, attrs)
    }

    fn remove_from_parent(&self, target: &Self::Handle) {
        self.inner.remove_from_parent(target)
    }

    fn reparent_children(&self, node: &Self::Handle, new_parent: &Self::Handle) {
        self.inner.reparent_children(node, new_parent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(open: &str, close: &str, n: usize) -> String {
        format!(
            "{}<a href=\"https://t.example/\">x</a>{}",
            open.repeat(n),
            close.repeat(n)
        )
    }

    #[test]
    fn ordinary_pages_pass() {
        let html = parse_document("<!doctype html><title>t</title><p>Hi <b>there</b>").unwrap();
        assert!(max_depth(&html) < 10);
        assert!(parse_fragment(&nested("<div>", "</div>", MAX_DEPTH - 10)).is_ok());
    }

    #[test]
    fn deep_nesting_is_refused_in_every_shape() {
        let n = 6000;
        // Plain nesting, unclosed nesting, formatting elements that the tree builder reopens,
        // elements foster-parented out of tables, and misnested end tags it ignores.
        let shapes = [
            nested("<div>", "</div>", n),
            "<div>".repeat(n),
            format!(
                "<p>{}</p>",
                (0..n).map(|i| format!("<b id={i}>")).collect::<String>()
            ),
            format!("<table>{}", "<div>".repeat(n)),
            "<span><div></span></div>".repeat(n),
            "<div><table><td>".repeat(n),
            (0..n).map(|i| format!("<p><b id={i}></p>x")).collect(),
        ];
        for (i, html) in shapes.iter().enumerate() {
            assert_eq!(parse_fragment(html).err(), Some(TooDeep), "shape {i}");
            assert_eq!(parse_document(html).err(), Some(TooDeep), "shape {i}");
        }
    }

    #[test]
    fn depth_sum_counts_each_element_at_its_depth() {
        let html = parse_fragment("<p><b>x</b></p><p>y</p>").unwrap();
        // The fragment's <html> root is 2 deep under the fragment node; p, b, p below it.
        assert_eq!(depth_sum(&html), 2 + 3 + 4 + 3);
    }

    #[test]
    fn multibyte_text_across_chunks_is_kept() {
        let text = "é".repeat(CHUNK_BYTES);
        let html = parse_fragment(&format!("<p>{text}</p>")).unwrap();
        assert_eq!(html.root_element().text().collect::<String>(), text);
    }
}
