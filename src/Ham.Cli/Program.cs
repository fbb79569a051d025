return Ham.Cli.HamApp.Create().Run(args);
