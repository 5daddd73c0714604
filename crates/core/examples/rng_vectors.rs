//! Prints the RNG test vectors shared by the Rust and TypeScript tests
//! (`__test__/fixtures/rng-vectors.json`). Regenerate only if the RNG definition changes.
use tunenet_core::rng::Rng;

fn main() {
    let mut cases = Vec::new();
    for (seed, stream) in [(0u64, 0u64), (42, 0), (42, 1), (9_007_199_254_740_991, 3)] {
        let mut r = Rng::with_stream(seed, stream);
        let state = r.state();
        let u32s: Vec<String> = (0..8).map(|_| r.next_u32().to_string()).collect();
        let f32s: Vec<String> = (0..4).map(|_| format!("{:?}", r.next_f32())).collect();
        let f64s: Vec<String> = (0..4).map(|_| format!("{:?}", r.next_f64())).collect();
        let normals: Vec<String> = (0..4).map(|_| format!("{:?}", r.normal())).collect();
        let below: Vec<String> = (0..4).map(|_| r.below(10).to_string()).collect();
        let mut perm: Vec<usize> = (0..10).collect();
        r.shuffle(&mut perm);
        let perm: Vec<String> = perm.iter().map(|x| x.to_string()).collect();
        cases.push(format!(
            "    {{\"seed\": {seed}, \"stream\": {stream}, \"state\": [{}], \"u32\": [{}], \"f32\": [{}], \"f64\": [{}], \"normal\": [{}], \"below10\": [{}], \"shuffle10\": [{}]}}",
            state.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", "),
            u32s.join(", "), f32s.join(", "), f64s.join(", "), normals.join(", "), below.join(", "), perm.join(", ")
        ));
    }
    println!("{{\n  \"cases\": [\n{}\n  ]\n}}", cases.join(",\n"));
}
