namespace Ham.Algorithms;

/// <summary>Parameter groups checked against the keys they cover.</summary>
public static class Grouping
{
    /// <summary>
    /// The groups restricted to <paramref name="keys"/>, in order, plus one group per key that no group names
    /// (named by the key). A key named by two groups is an error.
    /// </summary>
    public static List<ParameterGroup> Complete(IReadOnlyList<ParameterGroup> groups, IEnumerable<string> keys)
    {
        var present = keys.ToList();
        var presentSet = present.ToHashSet();
        var owner = new Dictionary<string, string>();
        var result = new List<ParameterGroup>();
        foreach (var group in groups)
        {
            foreach (var key in group.Keys)
                if (!owner.TryAdd(key, group.Name))
                    throw new ArgumentException(
                        $"key '{key}' is in parameter groups '{owner[key]}' and '{group.Name}'; expected one group");
            var kept = group.Keys.Where(presentSet.Contains).ToList();
            if (kept.Count > 0) result.Add(group with { Keys = kept });
        }
        result.AddRange(present.Where(k => !owner.ContainsKey(k)).Select(k => new ParameterGroup(k, [k])));
        return result;
    }
}
