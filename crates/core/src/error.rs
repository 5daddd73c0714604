//! The one error type for bad arguments: which argument and what is wrong with it. Callers
//! prefix where it sits (`layers[2].`), so messages never repeat a name (`slope: slope: …`).

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArgError {
    /// The argument as users name it, relative to the object it belongs to (`slope`, `activation`).
    pub arg: String,
    pub message: String,
}

impl ArgError {
    pub fn new(arg: impl Into<String>, message: impl Into<String>) -> Self {
        ArgError { arg: arg.into(), message: message.into() }
    }
}

impl std::fmt::Display for ArgError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.arg, self.message)
    }
}

impl std::error::Error for ArgError {}
