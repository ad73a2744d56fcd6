//! Numbers written as words, as prompts say them ("the top five competitors").

/// Number words from zero to twenty, each at its value's index.
pub const NUMBER_WORDS: &[&str] = &[
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
];

/// The value of a number word ("five" → 5), lowercase.
pub fn number_word(word: &str) -> Option<usize> {
    NUMBER_WORDS.iter().position(|w| *w == word)
}

/// The word for a number up to twenty.
pub fn word_for(n: usize) -> Option<&'static str> {
    NUMBER_WORDS.get(n).copied()
}
