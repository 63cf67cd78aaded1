"""The activation explorer shows the lesson's numbers and shades where sigmoid and tanh
saturate."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.lab.activations_view import ActivationsView
from nnstudio.gui.lab.registry import lab_view
from tests.gui.helpers import shown


@pytest.fixture
def view(qtbot):
    return shown(qtbot, ActivationsView(ProjectDocument()), (900, 560))


def test_the_view_is_registered_under_its_key():
    assert lab_view("activations").view_class() is ActivationsView


def test_it_opens_on_sigmoid_and_tanh_read_at_zero(view):
    assert view.shown() == ["sigmoid", "tanh"]
    assert view.readout() == {"sigmoid": ("0.5000", "0.2500"), "tanh": ("0.0000", "1.0000")}


def test_the_curves_are_the_lessons_1000_points_over_minus_20_to_20(view):
    x, _f = view.curves["sigmoid"][0].getData()
    _x, df = view.curves["sigmoid"][1].getData()
    assert len(x) == 1000 and (x[0], x[-1]) == (-20.0, 20.0)
    assert float(np.max(df)) == pytest.approx(0.25, abs=1e-4)
    assert float(np.max(view.curves["tanh"][1].getData()[1])) == pytest.approx(1.0, abs=1e-3)


def test_saturation_zones_are_shaded_beyond_six_for_sigmoid_and_three_for_tanh(view):
    def regions(name):
        return sorted({tuple(round(v, 6) for v in r.getRegion()) for r in view.zone_items[name]})

    assert regions("sigmoid") == [(-20.0, -6.0), (6.0, 20.0)]
    assert regions("tanh") == [(-20.0, -3.0), (3.0, 20.0)]
    assert "|x| > 6" in view.zone_note.text() and "|x| > 3" in view.zone_note.text()


def test_moving_the_cursor_updates_the_readout(view):
    view.set_x(2.0)
    f, df = view.readout()["sigmoid"]
    assert (f, df) == ("0.8808", "0.1050")
    view.cursor_lines[0].setValue(-1.0)
    assert view.x_spin.value() == pytest.approx(-1.0)
    assert view.readout()["tanh"][0] == "-0.7616"


def test_narrowing_the_range_resamples_and_drops_zones_outside_it(view):
    view.set_range(5.0)
    x, _f = view.curves["tanh"][0].getData()
    assert (x[0], x[-1]) == (-5.0, 5.0)
    assert view.zone_items["sigmoid"] == []
    assert len(view.zone_items["tanh"]) == 4  # two zones, each in both plots


def test_any_activation_can_be_overlaid_with_the_lessons_advice(view):
    view.set_shown(["relu", "leaky_relu", "gelu"])
    assert set(view.curves) == {"relu", "leaky_relu", "gelu"}
    assert view.readout()["relu"] == ("0.0000", "0.0000")
    assert "dead neuron" in view.advice.text()
    assert "fallback" in view.advice.text()
