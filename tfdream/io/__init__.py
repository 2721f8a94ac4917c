"""Files in and out, free of TensorFlow: atomic writes and their errors (`files`), images of every format
(`images`), contact sheets (`sheets`), video through PyAV (`video`), a dream's input as a value (`sources`:
file, bundled sample in `samples/`, or seeded `noise`), and how results show in notebooks (`display`). It may
import `tfdream.base` only."""
