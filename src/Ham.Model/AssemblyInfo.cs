namespace Ham.Model;
