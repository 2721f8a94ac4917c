"""The `--objective` grammar: an objective from a small expression language, read as a syntax tree (nothing is
evaluated), with the `@builder` functions of the term kinds as its calls."""

from __future__ import annotations

import ast

from tfdream.objectives.base import BUILDERS, Objective


def parse(text: str) -> Objective:
    """An objective from a small expression language, for the command line.

    Terms are calls of the builders in `BUILDERS` (`layer`, `neuron`, `direction`, `class_logit`, `guide`,
    `caricature`, `total_variation` or `tv`, `l2`, `diversity`, `channel_interpolate`, `alignment`) with literal
    arguments, or bare layer names, combined with
    `+`, `-`, unary `-` and multiplication by a number: `mixed3 + 0.5 * neuron('mixed4', 7) - 0.1 * tv()`.
    Nothing is evaluated: the expression is read as a syntax tree and only these forms are accepted.

    Raises:
        ValueError: the text is not such an expression (the message names the offending part).
    """
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as error:
        raise ValueError(f"objective is not a valid expression ({error.msg}). Received: objective={text!r}") from None
    return _evaluate(tree, text)


def _evaluate(node: ast.AST, text: str) -> Objective:
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
        left, right = _evaluate(node.left, text), _evaluate(node.right, text)
        return left + right if isinstance(node.op, ast.Add) else left - right
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _evaluate(node.operand, text)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        for factor, term in ((node.left, node.right), (node.right, node.left)):
            number = _literal(factor, text) if isinstance(factor, (ast.Constant, ast.UnaryOp)) else None
            if isinstance(number, (int, float)) and not isinstance(number, bool):
                return number * _evaluate(term, text)
        raise ValueError(f"objective terms can only be multiplied by a number. Received: {ast.unparse(node)!r}")
    if isinstance(node, ast.Name):
        return BUILDERS["layer"](node.id)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in BUILDERS:
        args = [_literal(arg, text) for arg in node.args]
        kwargs = {keyword.arg: _literal(keyword.value, text) for keyword in node.keywords}
        try:
            return BUILDERS[node.func.id](*args, **kwargs)
        except TypeError as error:
            raise ValueError(f"bad arguments in objective term {ast.unparse(node)!r}: {error}") from None
    raise ValueError(
        f"objective terms must be {sorted(BUILDERS)} calls or layer names. Received: {ast.unparse(node)!r} "
        f"in objective={text!r}"
    )


def _literal(node: ast.AST, text: str):
    try:
        return ast.literal_eval(node)
    except ValueError:
        raise ValueError(f"objective arguments must be literals. Received: {ast.unparse(node)!r} "
                         f"in objective={text!r}") from None
