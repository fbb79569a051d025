using System.Text;

namespace Ham.Cli.Data;

/// <summary>Reads a data set in DomainBed's folder layout:
/// <c>root/&lt;domain&gt;/&lt;class&gt;/&lt;image&gt;</c>.</summary>
public static class DomainBedFolder
{
    /// <summary>File name endings read as images (case-insensitive); other files are skipped and counted.</summary>
    public static IReadOnlyList<string> ImageExtensions { get; } =
        [".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".tga", ".pbm", ".pgm", ".ppm"];

    /// <summary>
    /// Scans <paramref name="root"/>: domains are its subfolders, classes the sorted union of the class folder
    /// names (code point order, as Python's sorted). Hidden and system entries (dotfiles such as .DS_Store and ._*,
    /// __MACOSX, Thumbs.db, desktop.ini) and non-image files are skipped and counted in
    /// <see cref="DomainDataset.SkippedFiles"/>. A class missing (or empty) in a domain is an InvalidDataException
    /// that shows the domain × class table of image counts.
    /// </summary>
    public static DomainDataset Scan(string root)
    {
        var fullRoot = Path.GetFullPath(root);
        if (!Directory.Exists(fullRoot))
            throw new DirectoryNotFoundException($"data folder not found: {fullRoot}");

        var skipped = 0;
        var domainFolders = new List<string>();
        foreach (var entry in new DirectoryInfo(fullRoot).EnumerateFileSystemInfos())
        {
            if (entry is DirectoryInfo && !IsHiddenOrSystem(entry.Name)) domainFolders.Add(entry.Name);
            else skipped++;
        }
        domainFolders.Sort(CodePointComparer.Instance);
        if (domainFolders.Count == 0)
            throw new InvalidDataException(
                $"data folder {fullRoot} has no domain folders; expected DIR/<domain>/<class>/<image>");

        var files = new Dictionary<(string Domain, string Class), List<string>>();
        var classSet = new HashSet<string>(StringComparer.Ordinal);
        foreach (var domain in domainFolders)
        {
            foreach (var entry in new DirectoryInfo(Path.Combine(fullRoot, domain)).EnumerateFileSystemInfos())
            {
                if (entry is not DirectoryInfo classFolder || IsHiddenOrSystem(entry.Name))
                {
                    skipped++;
                    continue;
                }
                classSet.Add(classFolder.Name);
                var images = new List<string>();
                foreach (var file in classFolder.EnumerateFileSystemInfos())
                {
                    if (file is FileInfo && !IsHiddenOrSystem(file.Name) && IsImage(file.Name)) images.Add(file.Name);
                    else skipped++;
                }
                images.Sort(CodePointComparer.Instance);
                files[(domain, classFolder.Name)] = images;
            }
        }
        var classes = classSet.ToList();
        classes.Sort(CodePointComparer.Instance);
        if (classes.Count == 0)
            throw new InvalidDataException(
                $"data folder {fullRoot} has domain folders ({string.Join(", ", domainFolders)}) but no class " +
                "folders in any of them; expected DIR/<domain>/<class>/<image>");
        CheckEveryDomainHasEveryClass(fullRoot, domainFolders, classes, files);

        var items = new List<ImageItem>();
        for (var d = 0; d < domainFolders.Count; d++)
        {
            for (var c = 0; c < classes.Count; c++)
            {
                foreach (var name in files[(domainFolders[d], classes[c])])
                    items.Add(new ImageItem($"{domainFolders[d]}/{classes[c]}/{name}", d, c));
            }
        }
        return new DomainDataset(fullRoot, domainFolders, classes, items, skipped);
    }

    /// <summary>True for dotfiles (.DS_Store, ._x, .git), __MACOSX, Thumbs.db and desktop.ini.</summary>
    public static bool IsHiddenOrSystem(string name) =>
        name.StartsWith('.')
        || name.Equals("__MACOSX", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Thumbs.db", StringComparison.OrdinalIgnoreCase)
        || name.Equals("desktop.ini", StringComparison.OrdinalIgnoreCase);

    private static bool IsImage(string name)
    {
        var extension = Path.GetExtension(name);
        return ImageExtensions.Any(known => extension.Equals(known, StringComparison.OrdinalIgnoreCase));
    }

    private static void CheckEveryDomainHasEveryClass(string root, List<string> domains, List<string> classes,
        Dictionary<(string Domain, string Class), List<string>> files)
    {
        int Count(string domain, string cls) => files.TryGetValue((domain, cls), out var list) ? list.Count : -1;

        var missing = domains.SelectMany(d => classes.Where(c => Count(d, c) <= 0).Select(c => (d, c))).ToList();
        if (missing.Count == 0) return;

        var width = Math.Max(6, domains.Max(d => d.Length));
        var table = new StringBuilder();
        table.Append("domain".PadRight(width));
        foreach (var cls in classes) table.Append(" | ").Append(cls);
        table.AppendLine();
        foreach (var domain in domains)
        {
            table.Append(domain.PadRight(width));
            foreach (var cls in classes)
            {
                var count = Count(domain, cls);
                var cell = count < 0 ? "missing" : count == 0 ? "empty" : count.ToString();
                table.Append(" | ").Append(cell.PadLeft(cls.Length));
            }
            table.AppendLine();
        }
        var list = string.Join(", ", missing.Select(m => $"{m.d}/{m.c}"));
        throw new InvalidDataException(
            $"data folder {root}: every domain must have every class; missing or empty: {list}\n" +
            $"images per domain × class:\n{table}");
    }
}
