namespace Ham.Algorithms.Tests;
