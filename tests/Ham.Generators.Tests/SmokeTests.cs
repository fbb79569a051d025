namespace Ham.Generators.Tests;
