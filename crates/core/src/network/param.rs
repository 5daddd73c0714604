//! A trainable tensor with its gradient and optimizer state.

use crate::real::Real;

#[derive(Clone, Debug)]
pub struct Param<T> {
    /// "W", "b", "gamma" or "beta".
    pub name: &'static str,
    pub value: Vec<T>,
    pub grad: Vec<T>,
    /// First moment / velocity (momentum, Nesterov, Adam).
    pub v: Vec<T>,
    /// Second moment (RMSProp, Adam).
    pub s: Vec<T>,
    /// L2 and L1 strengths; zero for biases, γ and β (never regularized).
    pub l2: f64,
    pub l1: f64,
    /// Weights get AdamW's decoupled decay; biases, γ and β do not.
    pub is_weight: bool,
}

/// A vector of `len` copies of `fill`, or an error naming the bytes when memory cannot be had
/// (a plain `vec!` aborts the whole process, Node included, on allocation failure).
pub fn try_filled<T: Clone>(len: usize, fill: T) -> Result<Vec<T>, String> {
    let mut v = Vec::new();
    v.try_reserve_exact(len).map_err(|_| {
        format!("cannot allocate {} bytes ({len} values)", len.saturating_mul(std::mem::size_of::<T>()))
    })?;
    v.resize(len, fill);
    Ok(v)
}

/// `len` zeros, or an error naming the bytes. The memory comes zeroed from the allocator
/// (calloc: pages are mapped lazily), so a big data set costs no time on the caller's thread.
pub fn try_zeros<T: Real>(len: usize) -> Result<Vec<T>, String> {
    let fail =
        || format!("cannot allocate {} bytes ({len} values)", len.saturating_mul(std::mem::size_of::<T>()));
    if len == 0 {
        return Ok(Vec::new());
    }
    let layout = std::alloc::Layout::array::<T>(len).map_err(|_| fail())?;
    // SAFETY: the layout is non-zero-sized; all-zero bits are +0.0 for f32 and f64 (the only
    // `Real`s), so the zeroed buffer is `len` initialized values, and it was allocated by the
    // global allocator with exactly the layout `Vec` expects for capacity `len`.
    unsafe {
        let ptr = std::alloc::alloc_zeroed(layout) as *mut T;
        if ptr.is_null() {
            return Err(fail());
        }
        Ok(Vec::from_raw_parts(ptr, len, len))
    }
}

impl<T: Real> Param<T> {
    pub fn new(name: &'static str, value: Vec<T>, l2: f64, l1: f64, is_weight: bool) -> Self {
        Self::try_new(name, value, l2, l1, is_weight).expect("parameter allocation")
    }

    /// Like `new`, but an allocation failure of the gradient or optimizer slots is an error.
    pub fn try_new(
        name: &'static str,
        value: Vec<T>,
        l2: f64,
        l1: f64,
        is_weight: bool,
    ) -> Result<Self, String> {
        let len = value.len();
        Ok(Param {
            name,
            value,
            grad: try_zeros(len)?,
            v: try_zeros(len)?,
            s: try_zeros(len)?,
            l2,
            l1,
            is_weight,
        })
    }

    pub fn len(&self) -> usize {
        self.value.len()
    }

    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }

    /// The same parameter in another float type (for f64 gradient checking).
    pub fn cast<U: Real>(&self) -> Param<U> {
        let conv = |x: &Vec<T>| x.iter().map(|&e| U::from(e).unwrap()).collect();
        Param {
            name: self.name,
            value: conv(&self.value),
            grad: conv(&self.grad),
            v: conv(&self.v),
            s: conv(&self.s),
            l2: self.l2,
            l1: self.l1,
            is_weight: self.is_weight,
        }
    }
}
