namespace Ham.Algorithms;

/// <summary>Tensors that are trained, aligned (OPA) and weighed (RHM) together, by checkpoint key.</summary>
/// <param name="Name">Name of the group, for logs and errors ("visual.transformer.resblocks.3").</param>
/// <param name="Keys">Checkpoint keys of the tensors in the group.</param>
public sealed record ParameterGroup(string Name, IReadOnlyList<string> Keys);
