//! The pipeline's transform: upper-cases a text, ends it with `!` and counts its words. It
//! exports `example:pipeline/transform`, which the `front` component imports; a link in the
//! manifest joins the two.

wit_bindgen::generate!({
    path: "../wit",
    world: "shout",
});

use exports::example::pipeline::transform::{Guest, Outcome};

struct Shout;

impl Guest for Shout {
    fn shout(text: String) -> Outcome {
        let words = text.split_whitespace().count();
        let mut loud = text.trim().to_uppercase();
        if !loud.is_empty() {
            loud.push('!');
        }
        Outcome {
            text: loud,
            words: u32::try_from(words).unwrap_or(u32::MAX),
        }
    }
}

export!(Shout);
