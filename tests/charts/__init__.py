"""Tests of mnist_dash.charts, a module per chart family and one for the look."""
