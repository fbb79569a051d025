namespace Ham.Cli.Tests;
