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

impl<T: Real> Param<T> {
    pub fn new(name: &'static str, value: Vec<T>, l2: f64, l1: f64, is_weight: bool) -> Self {
        let len = value.len();
        Param {
            name,
            value,
            grad: vec![T::zero(); len],
            v: vec![T::zero(); len],
            s: vec![T::zero(); len],
            l2,
            l1,
            is_weight,
        }
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
