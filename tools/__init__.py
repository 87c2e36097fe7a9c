"""The repository's own tooling, outside the wheel (a learner never imports it).

Run from the repository root:

* ``python -m tools.run``: executes course notebooks in place (their stored outputs), keeps their
  claims' values, ships their generators (:mod:`tools.ship`), rebuilds the README's results table;
* ``python -m tools.publish [--check]``: stamps the published address into every notebook's set-up
  cell, its Colab badge and the README;
* ``python -m tools.course``: starts JupyterLab on the notebooks (``make course``).

:mod:`tools.testing` holds the tiny GANs the tests and benches train in seconds.
"""
