"""Tests of cardiojax.signal.leads: lead selection by index and by name."""

import numpy as np
import pytest

from cardiojax.signal import leads


def _ramp(time, leads):
  return np.arange(time * leads, dtype=np.float32).reshape(time, leads)


def test_select_leads_keeps_the_given_order():
  x = _ramp(5, 4)
  y = leads.select_leads(x, [3, 0, 2])
  np.testing.assert_array_equal(y, x[:, [3, 0, 2]])
  with pytest.raises(ValueError, match="indices"):
    leads.select_leads(x, [4])
  with pytest.raises(ValueError, match="indices"):
    leads.select_leads(x, [])


def test_find_lead_prefers_the_first_accepted_name_any_case():
  assert leads.find_lead(("V5", "ii", "MLII"), ("MLII", "II")) == 2
  assert leads.find_lead(("V5", "ii"), ("MLII", "II")) == 1
  with pytest.raises(ValueError, match="MLII"):
    leads.find_lead(("V5", "V2"), ("MLII", "II"))


def test_reorder_leads_matches_names_and_zeroes_optional_leads():
  x = _ramp(5, 3)
  y = leads.reorder_leads(x, ("V2", "AVR", "i"), leads.STANDARD_12,
                          required=("I", "aVR"))
  assert y.shape == (5, 12) and y.dtype == np.float32
  np.testing.assert_array_equal(y[:, leads.lead_indices(("I", "aVR", "V2"))],
                                x[:, [2, 1, 0]])
  assert not np.delete(y, leads.lead_indices(("I", "aVR", "V2")), axis=1).any()
  with pytest.raises(ValueError, match=r"missing \['II'\]"):
    leads.reorder_leads(x, ("V2", "AVR", "i"), ("I", "II"))
  with pytest.raises(ValueError, match="signal"):
    leads.reorder_leads(x, ("I", "II"), ("I",))
