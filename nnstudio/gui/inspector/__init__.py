"""The inspector: edit the selected layer's parameters, or see the model summary."""
