"""gankit.reference: one source for seed 002's models (notebook 01's cells are the same code)."""

import ast
import inspect
import json
import textwrap
from pathlib import Path

import pytest

from gankit import reference

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "01_intro_gan.ipynb"


def notebook_code() -> list[ast.Module]:
    """Notebook 01's code cells, parsed (cells that are not plain Python are skipped)."""
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    parsed = []
    for cell in cells:
        if cell["cell_type"] == "code":
            source = "".join(cell["source"])
            try:
                parsed.append(ast.parse(source))
            except SyntaxError:  # an IPython magic: it defines no model
                continue
    return parsed


def normalised(function: ast.FunctionDef) -> str:
    """The function's code as text with layout, comments and its docstring normalised away."""
    body = function.body
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant):
        if isinstance(body[0].value.value, str):
            function.body = body[1:]
    return ast.unparse(function)


def notebook_function(name: str) -> ast.FunctionDef:
    found = [node for module in notebook_code() for node in module.body
             if isinstance(node, ast.FunctionDef) and node.name == name]
    assert len(found) == 1, f"notebook 01 should define {name} in exactly one cell, found {len(found)}"
    return found[0]


def module_function(function) -> ast.FunctionDef:
    return ast.parse(textwrap.dedent(inspect.getsource(function))).body[0]


@pytest.mark.parametrize("name", ["build_generator", "build_discriminator"])
def test_notebook_01_cells_are_the_reference_models(name):
    """Edit both together: notebook 01's cell and gankit/reference.py's function must be the same code."""
    assert normalised(module_function(getattr(reference, name))) == normalised(notebook_function(name))


def test_the_seed002_names_are_the_notebook_functions():
    assert reference.seed002_generator is reference.build_generator
    assert reference.seed002_discriminator is reference.build_discriminator


def test_the_names_the_models_use_mean_the_same_in_the_notebook():
    """The shared code reads LATENT_DIM, keras and layers: the notebook must bind them as reference.py does."""
    assignments = {
        node.targets[0].id: ast.literal_eval(node.value)
        for module in notebook_code()
        for node in module.body
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
        and node.targets[0].id == "LATENT_DIM"
    }
    assert assignments == {"LATENT_DIM": reference.LATENT_DIM}
    imports = {ast.unparse(node) for module in notebook_code() for node in module.body
               if isinstance(node, (ast.Import, ast.ImportFrom))}
    assert {"import keras", "from keras import layers"} <= imports


def test_normalising_keeps_real_differences():
    """The comparison ignores layout, comments and docstrings, not code."""
    a = ast.parse('def f(x):\n    """Doc."""\n    return x  # note\n').body[0]
    b = ast.parse("def f( x ):\n    return (x)\n").body[0]
    c = ast.parse("def f(x):\n    return x + 1\n").body[0]
    assert normalised(a) == normalised(b) != normalised(c)


def test_reference_models_have_the_seeds_shapes():
    g, d = reference.build_generator(), reference.build_discriminator()
    assert g.input_shape == (None, reference.LATENT_DIM) and g.output_shape == (None, 28, 28, 1)
    assert d.input_shape == (None, 28, 28, 1) and d.output_shape == (None, 1)
    assert [layer.units for layer in g.layers if type(layer).__name__ == "Dense"] == [256, 512, 1024, 784]
    assert [layer.units for layer in d.layers if type(layer).__name__ == "Dense"] == [512, 256, 1]


@pytest.mark.slow
def test_the_seeds_literal_loop_trains_d_only_with_the_keras3_fix():
    """seed_d_step as the seed wrote it: on Keras 3, D frozen for the combined model never learns
    unless ``trainable`` is switched back on around its updates (the fix)."""
    import numpy as np

    from gankit import config

    x = np.random.default_rng(0).uniform(-1, 1, (64, 28, 28, 1)).astype("float32")
    for fixed in (False, True):  # fresh models each: Keras keeps the first train function it traced
        config.seed_everything(0)
        g, d, c = reference.seed002_models()
        d_before, g_before = [w.numpy().copy() for w in d.weights], [w.numpy().copy() for w in g.weights]
        if fixed:
            d_loss, g_loss = reference.seed_literal_iteration(g, d, c, x, 32, fixed=True)
            assert np.all(np.isfinite(d_loss)) and np.isfinite(g_loss)
            assert any(not np.array_equal(a, w.numpy()) for a, w in zip(g_before, g.weights))
        else:
            with pytest.warns(UserWarning):  # Keras: D was compiled, then frozen
                reference.seed_d_step(g, d, x, 16, fixed=False)
        d_changed = any(not np.array_equal(a, w.numpy()) for a, w in zip(d_before, d.weights))
        assert d_changed == fixed and d.trainable is False


def test_notebook_01_cell_is_the_reference_train_step():
    """Notebook 01's plain-TensorFlow step and gankit/reference.py's make_train_step are the same code."""
    assert normalised(module_function(reference.make_train_step)) == normalised(notebook_function("make_train_step"))
