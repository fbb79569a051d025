namespace Ham.Algorithms;
