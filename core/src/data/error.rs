use std::fmt;

/// Why a MovieLens file could not be read. Always names the file, and the line when there is one,
/// so the page can tell a person exactly what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataError {
    pub file: String,
    /// 1-based line number; `None` for problems with the file as a whole.
    pub line: Option<usize>,
    pub message: String,
    /// The file was refused for its size, not its contents: the page may offer what else the
    /// archive holds (its film list alone).
    pub too_large: bool,
}

impl DataError {
    pub fn file(file: &str, message: impl Into<String>) -> Self {
        Self {
            file: file.to_string(),
            line: None,
            message: message.into(),
            too_large: false,
        }
    }

    /// A file refused for its size (more than a tab holds).
    pub fn too_large(file: &str, message: impl Into<String>) -> Self {
        Self {
            too_large: true,
            ..Self::file(file, message)
        }
    }

    pub fn line(file: &str, line: usize, message: impl Into<String>) -> Self {
        Self {
            file: file.to_string(),
            line: Some(line),
            message: message.into(),
            too_large: false,
        }
    }
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}, line {}: {}", self.file, line, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for DataError {}
