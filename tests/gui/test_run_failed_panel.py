"""A run that fails leaves the plots panel as a finished run does (issue 12's frame budget).

The panel budgets its redraws and ignores new settings only while a run is in progress; a run
that ends with an error sends no result, so the panel must be told separately or it would stay
"running" until some later run finished.
"""

from __future__ import annotations

import pytest

from tests.gui.plot_panels import release_panels  # noqa: F401 (a fixture)
from tests.gui.test_frame_budget import epochs_drawn, live_panel, spirals_run  # noqa: F401

pytestmark = pytest.mark.usefixtures("release_panels")


def test_a_failed_run_leaves_the_panel_out_of_its_running_state(qtbot, spirals_run):  # noqa: F811
    panel = live_panel(qtbot, spirals_run)
    panel.consume(spirals_run.events)
    assert panel.running and all(view.live for view in panel.views)
    panel.run_failed()
    assert not panel.running
    assert not any(view.live for view in panel.views)
    assert not any(view.dirty for view in panel.views)  # drawn at once, not budgeted
    assert not panel.frames.pending()
    assert epochs_drawn(panel) == 4  # what the run reported before it failed stays shown
    assert panel.loss.train_curve.curve.opts["antialias"] is True


def test_the_window_takes_its_plots_out_of_the_run_when_the_run_fails(
    open_window,
    spirals_run,  # noqa: F811
):
    window = open_window(size=(1280, 800))
    window.start()
    plots = window.workbench.plots
    plots.run_started(spirals_run.plan)
    plots.consume(spirals_run.events)
    assert plots.running
    window._on_run_failed("the training process ended")  # the box is answered by a fixture
    assert not plots.running
    assert not any(view.live for view in plots.views)
