"""The foundation, free of TensorFlow and of the rest of tfdream: argument checks shared by every part
(`checks`), the names options choose from, for the command line's flags (`choices`), absl flags made from a
config dataclass's fields (`flag_fields`), and how TensorFlow is started (`startup`). It imports nothing of tfdream."""
