"""The catalogues: every layer, activation, initializer, loss, optimizer and schedule a user can
pick by name, with the declared parameters that check what files and users give them."""
