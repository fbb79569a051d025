namespace Ham.Cli.Data;

/// <summary>Train / validation / test splits: the official PACS lists, or a seeded random split per domain.</summary>
public static class SplitLists
{
    /// <summary>
    /// Reads the official lists <c>&lt;domain&gt;_{train,crossval,test}_kfold.txt</c> from <paramref name="splitsDir"/>
    /// (lines <c>&lt;domain&gt;/&lt;class&gt;/&lt;file&gt; &lt;label&gt;</c>, labels 1-based in class order). Every bad
    /// line is collected and reported together, with file:line, in one InvalidDataException.
    /// </summary>
    public static DataSplits Load(string splitsDir, DomainDataset data) => throw new NotImplementedException();

    /// <summary>
    /// DomainBed's split: per domain, a seeded shuffle holds out <paramref name="holdout"/> of the images as
    /// validation and trains on the rest; the test list of a domain is the whole domain.
    /// </summary>
    public static DataSplits Random(DomainDataset data, int seed, double holdout = 0.2) =>
        throw new NotImplementedException();
}
