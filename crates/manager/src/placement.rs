//! Dividing instances: over spreads by weight, and over the hosts of a spread evenly.

/// Splits `total` over `weights` proportionally: each gets the floor of its share, and the
/// remainder goes one by one to the heaviest (earliest on ties), as wadm does.
pub(crate) fn split_by_weight(total: usize, weights: &[usize]) -> Vec<usize> {
    let sum: usize = weights.iter().sum();
    if sum == 0 {
        return vec![0; weights.len()];
    }
    let mut counts: Vec<usize> = weights.iter().map(|weight| total * weight / sum).collect();
    let mut remainder = total - counts.iter().sum::<usize>();
    let mut order: Vec<usize> = (0..weights.len())
        .filter(|&index| weights[index] > 0)
        .collect();
    order.sort_by_key(|&index| std::cmp::Reverse(weights[index]));
    for index in order.iter().cycle() {
        if remainder == 0 {
            break;
        }
        counts[*index] += 1;
        remainder -= 1;
    }
    counts
}

/// Splits `total` evenly over `hosts` hosts, the first ones taking the remainder.
pub(crate) fn split_evenly(total: usize, hosts: usize) -> Vec<usize> {
    if hosts == 0 {
        return Vec::new();
    }
    (0..hosts)
        .map(|index| total / hosts + usize::from(index < total % hosts))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_divide_like_wadm() {
        assert_eq!(split_by_weight(10, &[80, 20]), vec![8, 2]);
        assert_eq!(split_by_weight(3, &[100, 100]), vec![2, 1]);
        assert_eq!(split_by_weight(5, &[0, 100]), vec![0, 5]);
        assert_eq!(split_by_weight(0, &[1, 2]), vec![0, 0]);
        assert_eq!(split_by_weight(7, &[]), Vec::<usize>::new());
    }

    #[test]
    fn hosts_share_evenly() {
        assert_eq!(split_evenly(5, 2), vec![3, 2]);
        assert_eq!(split_evenly(1, 3), vec![1, 0, 0]);
        assert!(split_evenly(4, 0).is_empty());
    }
}
