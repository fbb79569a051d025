namespace Ham.Cli.Data;

/// <summary>A data set in DomainBed's layout, <c>Root/&lt;domain&gt;/&lt;class&gt;/&lt;image&gt;</c>.</summary>
/// <param name="Root">The folder that holds one subfolder per domain (full path).</param>
/// <param name="Domains">Domain folder names, sorted by Unicode code point.</param>
/// <param name="Classes">The sorted (by code point) union of class folder names over all domains.</param>
/// <param name="Items">Every image, ordered by domain, class, then file name (code point order).</param>
/// <param name="SkippedFiles">Hidden and system files that were skipped (.DS_Store, ._*, __MACOSX, ...).</param>
public sealed record DomainDataset(
    string Root,
    IReadOnlyList<string> Domains,
    IReadOnlyList<string> Classes,
    IReadOnlyList<ImageItem> Items,
    int SkippedFiles)
{
    /// <summary>The absolute path of one item.</summary>
    public string FullPath(ImageItem item) => Path.Combine(Root, item.RelativePath);

    /// <summary>The indices into <see cref="Items"/> of one domain's images.</summary>
    public IReadOnlyList<int> IndicesOfDomain(int domain)
    {
        var indices = new List<int>();
        for (var i = 0; i < Items.Count; i++) if (Items[i].Domain == domain) indices.Add(i);
        return indices;
    }

    /// <summary>The index of a domain by name; ArgumentException listing the domains when absent.</summary>
    public int DomainIndex(string name)
    {
        for (var i = 0; i < Domains.Count; i++) if (Domains[i] == name) return i;
        throw new ArgumentException(
            $"domain '{name}' is not in {Root}; the domains are: {string.Join(", ", Domains)}", nameof(name));
    }
}

/// <summary>One image of a <see cref="DomainDataset"/>.</summary>
/// <param name="RelativePath">Path below the data set root with '/' separators: <c>domain/class/file</c>.</param>
/// <param name="Domain">Index into <see cref="DomainDataset.Domains"/>.</param>
/// <param name="Label">Index into <see cref="DomainDataset.Classes"/> (0-based).</param>
public sealed record ImageItem(string RelativePath, int Domain, int Label);
