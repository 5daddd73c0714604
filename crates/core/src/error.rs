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

/// The kind in `all` whose `name_of` is `name`, or an error on `arg` listing every name:
/// `unknown activation 'relux', expected identity | relu | …`. Every kind's `from_name` uses it.
pub fn kind_by_name<K: Copy>(
    all: &[K],
    name_of: impl Fn(&K) -> &'static str,
    name: &str,
    arg: &str,
    noun: &str,
) -> Result<K, ArgError> {
    all.iter().copied().find(|k| name_of(k) == name).ok_or_else(|| {
        let names: Vec<_> = all.iter().map(&name_of).collect();
        ArgError::new(arg, format!("unknown {noun} '{name}', expected {}", names.join(" | ")))
    })
}
