namespace Ham.Model.Tests;
