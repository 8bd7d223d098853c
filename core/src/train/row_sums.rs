//! A batch's per-rating gradient rows summed by table row on a device, with gathers and sums
//! only. Burn's scatter-add (which autodiff's embedding backward uses) runs, on a GPU without
//! float atomics such as WebGPU, one thread per column that walks the whole batch: on an H200
//! biased MF trained at 0.4–0.9 M ratings/s, slower than the CPU (docs/BENCHMARK.md). A gather
//! runs one thread per output value, so the sums are built as a few rounds of "gather up to
//! `FAN_IN` rows per group, add them", planned on the CPU where the batch is made.

use burn::tensor::{Device, Int, Tensor, TensorData};

use super::rows::NO_SLOT;

/// Rows added per group in one round: a row rated k times in a batch needs ⌈log₈ k⌉ rounds.
const FAN_IN: usize = 8;

/// Plans [`RowSums`] for one table; keeps a scratch slot per table row between batches.
#[derive(Debug, Clone)]
pub struct RowSumPlanner {
    slot_of: Vec<u32>,
}

/// Which table rows a batch touched and how its per-rating rows add up to one per touched row.
#[derive(Debug, Clone, PartialEq)]
pub struct RowSums {
    /// The distinct rows, in the order the batch first touched them (a slot is a position here).
    pub rows: Vec<u32>,
    /// Each rating's slot.
    pub slots: Vec<u32>,
    /// Rounds of (indices into the round's input with one zero row appended, group size).
    rounds: Vec<(Vec<i32>, usize)>,
}

impl RowSumPlanner {
    pub fn new(table_rows: usize) -> Self {
        Self {
            slot_of: vec![NO_SLOT; table_rows],
        }
    }

    /// The plan for a batch touching `keys` (one table row per rating).
    pub fn plan(&mut self, keys: impl Iterator<Item = u32>) -> RowSums {
        let mut rows = Vec::new();
        let slots: Vec<u32> = keys
            .map(|key| {
                let slot = &mut self.slot_of[key as usize];
                if *slot == NO_SLOT {
                    *slot = rows.len() as u32;
                    rows.push(key);
                }
                *slot
            })
            .collect();
        for &row in &rows {
            self.slot_of[row as usize] = NO_SLOT;
        }
        let rounds = rounds(&slots, rows.len());
        RowSums {
            rows,
            slots,
            rounds,
        }
    }
}

/// Counting sort of the ratings by slot, then rounds of groups until each slot has one group.
/// After the first round a slot's inputs are the consecutive groups the last round made for it.
fn rounds(slots: &[u32], distinct: usize) -> Vec<(Vec<i32>, usize)> {
    let mut starts = vec![0usize; distinct + 1];
    for &s in slots {
        starts[s as usize + 1] += 1;
    }
    let mut most = starts.iter().copied().max().unwrap_or(0);
    for s in 0..distinct {
        starts[s + 1] += starts[s];
    }
    let mut members = vec![0i32; slots.len()];
    let mut next = starts.clone();
    for (k, &s) in slots.iter().enumerate() {
        members[next[s as usize]] = k as i32;
        next[s as usize] += 1;
    }
    let mut input_len = slots.len();
    let mut rounds = Vec::new();
    loop {
        let fan = most.clamp(1, FAN_IN);
        // Slot s's groups: group_starts[s]..group_starts[s + 1].
        let mut group_starts = Vec::with_capacity(distinct + 1);
        group_starts.push(0usize);
        for s in 0..distinct {
            let groups = (starts[s + 1] - starts[s]).div_ceil(fan);
            group_starts.push(group_starts[s] + groups);
        }
        let mut index = vec![input_len as i32; group_starts[distinct] * fan];
        for s in 0..distinct {
            let inputs = &members[starts[s]..starts[s + 1]];
            let at = group_starts[s] * fan;
            index[at..at + inputs.len()].copy_from_slice(inputs);
        }
        input_len = group_starts[distinct];
        rounds.push((index, fan));
        if most <= fan {
            return rounds;
        }
        most = most.div_ceil(fan);
        members = (0..input_len as i32).collect();
        starts = group_starts;
    }
}

impl RowSums {
    /// `per_rating` ([batch, width], one row per rating in batch order) summed per slot:
    /// [distinct rows, width].
    pub fn sum(&self, per_rating: Tensor<2>, device: &Device) -> Tensor<2> {
        let width = per_rating.dims()[1];
        let mut x = per_rating;
        for (index, fan) in &self.rounds {
            let groups = index.len() / fan;
            let padded = Tensor::cat(vec![x, Tensor::zeros([1, width], device)], 0);
            x = padded
                .select(0, int_tensor(index.clone(), device))
                .reshape([groups, *fan, width])
                .sum_dim(1)
                .reshape([groups, width]);
        }
        x
    }

    /// The slots as an index tensor (each rating's row among the gathered distinct rows).
    pub fn slot_tensor(&self, device: &Device) -> Tensor<1, Int> {
        int_tensor(self.slots.iter().map(|&s| s as i32).collect(), device)
    }

    /// The distinct rows as an index tensor.
    pub fn row_tensor(&self, device: &Device) -> Tensor<1, Int> {
        int_tensor(self.rows.iter().map(|&r| r as i32).collect(), device)
    }
}

pub(crate) fn int_tensor(values: Vec<i32>, device: &Device) -> Tensor<1, Int> {
    let n = values.len();
    Tensor::from_data(TensorData::new(values, [n]), device)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SeededRng;

    fn read(t: Tensor<2>) -> Vec<f32> {
        t.into_data().try_to_vec::<f32>().expect("f32")
    }

    #[test]
    fn sums_each_touched_rows_ratings_whatever_their_count() {
        let device = Device::flex();
        let mut rng = SeededRng::new(3);
        let mut planner = RowSumPlanner::new(50);
        // Row 7 is rated 300 times (three rounds of eight), others a few times or once.
        let keys: Vec<u32> = (0..400)
            .map(|k| if k % 4 != 0 { 7 } else { rng.below(50) as u32 })
            .collect();
        let width = 3;
        let values: Vec<f32> = (0..keys.len() * width)
            .map(|_| rng.unit() as f32 - 0.5)
            .collect();
        let plan = planner.plan(keys.iter().copied());
        assert!(plan.rounds.len() >= 3, "{} rounds", plan.rounds.len());

        let per_rating = Tensor::from_data(
            TensorData::new(values.clone(), [keys.len(), width]),
            &device,
        );
        let sums = read(plan.sum(per_rating, &device));
        assert_eq!(sums.len(), plan.rows.len() * width);
        for (slot, &row) in plan.rows.iter().enumerate() {
            for c in 0..width {
                let expected: f64 = keys
                    .iter()
                    .enumerate()
                    .filter(|&(_, &k)| k == row)
                    .map(|(n, _)| values[n * width + c] as f64)
                    .sum();
                let got = sums[slot * width + c] as f64;
                assert!(
                    (got - expected).abs() < 1e-4,
                    "row {row} col {c}: {got} vs {expected}"
                );
            }
        }
        for (n, &k) in keys.iter().enumerate() {
            assert_eq!(plan.rows[plan.slots[n] as usize], k);
        }
        // The scratch is clean for the next batch: a batch of distinct rows is one plain gather.
        let next = planner.plan([4u32, 9, 1].into_iter());
        assert_eq!(
            (next.rows.clone(), next.slots.clone()),
            (vec![4, 9, 1], vec![0, 1, 2])
        );
        assert_eq!(next.rounds, vec![(vec![0, 1, 2], 1)]);
    }
}
