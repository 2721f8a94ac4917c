"""The dream: `Dreamer` and the only code that knows the order of a dream's steps. It owns the compiled tile
step (`steps`), tiles and the random roll (`tiling`), octaves, gradient normalization and blur (`smoothing`),
the options (`config`), the loss `history`, `callbacks`, checkpoints and resumes, the memory estimate, steering
inputs per octave, spreading tiles over devices (`distribute`), results and their sidecars (`result`,
`sidecar`). It may import `tfdream.objectives`, `tfdream.models`, `tfdream.io` and `tfdream.base`; nothing in
it imports a feature, a pipeline or a command."""
