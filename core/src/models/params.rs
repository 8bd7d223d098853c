//! Any Burn module's float parameters as plain numbers, and back: the snapshot of the neural
//! zoo models (checkpoints, the page's kept model, scoring on the CPU). Burn visits and maps a
//! module's parameters in one fixed order, so a snapshot taken from a module loads into any
//! module of the same structure.

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::tensor::{Tensor, TensorData};

/// Float parameters in visiting order, each with its shape.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Parameters {
    pub shapes: Vec<Vec<usize>>,
    pub values: Vec<Vec<f32>>,
}

impl Parameters {
    /// How many numbers the snapshot holds.
    pub fn count(&self) -> usize {
        self.values.iter().map(Vec::len).sum()
    }
}

struct Collect {
    tensors: Vec<Tensor<1>>,
    shapes: Vec<Vec<usize>>,
}

impl ModuleVisitor for Collect {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let tensor = param.val();
        self.shapes.push(tensor.shape().dims::<D>().to_vec());
        let n = tensor.shape().num_elements();
        self.tensors.push(tensor.reshape([n]));
    }
}

/// Every float parameter of `module`, flattened, with the shapes [`parameters_from`] needs.
pub fn flat_parameters(module: &impl Module) -> (Vec<Tensor<1>>, Vec<Vec<usize>>) {
    let mut collect = Collect {
        tensors: Vec::new(),
        shapes: Vec::new(),
    };
    module.visit(&mut collect);
    (collect.tensors, collect.shapes)
}

/// The snapshot of `module` made of its flattened parameters' values (as
/// [`flat_parameters`] ordered them).
pub fn parameters_from(module: &impl Module, values: Vec<Vec<f32>>) -> Parameters {
    let (_, shapes) = flat_parameters(module);
    Parameters { shapes, values }
}

struct Load<'a> {
    parameters: &'a Parameters,
    next: usize,
}

impl ModuleMapper for Load<'_> {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let k = self.next;
        self.next += 1;
        let (shape, values) = (&self.parameters.shapes[k], &self.parameters.values[k]);
        param.map(|tensor| {
            assert_eq!(
                tensor.shape().dims::<D>().as_slice(),
                shape.as_slice(),
                "parameter {k} has another shape"
            );
            let grad = tensor.is_require_grad();
            let loaded = Tensor::<D>::from_data(
                TensorData::new(values.clone(), shape.clone()),
                &tensor.device(),
            );
            if grad { loaded.require_grad() } else { loaded }
        })
    }
}

/// A tensor's values, read back (synchronously: a CPU tensor, or a native device).
pub fn read_values<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor.into_data().iter::<f32>().collect()
}

/// `module` (a skeleton of the right structure, on the device wanted) holding `parameters`.
pub fn load_parameters<M: Module>(module: M, parameters: &Parameters) -> M {
    let mut load = Load {
        parameters,
        next: 0,
    };
    let module = module.map(&mut load);
    assert_eq!(
        load.next,
        parameters.values.len(),
        "a snapshot of another model"
    );
    module
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::nn::LinearConfig;
    use burn::tensor::Device;

    #[test]
    fn a_snapshot_loads_back_into_a_fresh_module() {
        let device = Device::flex();
        let a = LinearConfig::new(3, 2).init(&device);
        let (tensors, _) = flat_parameters(&a);
        let values: Vec<Vec<f32>> = tensors.into_iter().map(read_values).collect();
        let snapshot = parameters_from(&a, values);
        assert_eq!(snapshot.shapes, vec![vec![3, 2], vec![2]]);
        assert_eq!(snapshot.count(), 8);
        let b = load_parameters(LinearConfig::new(3, 2).init(&device), &snapshot);
        let x = Tensor::<2>::from_data(TensorData::new(vec![1.0f32, -2.0, 0.5], [1, 3]), &device);
        let (ya, yb) = (a.forward(x.clone()), b.forward(x));
        assert_eq!(read_values(ya), read_values(yb));
    }
}
