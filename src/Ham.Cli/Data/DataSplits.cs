namespace Ham.Cli.Data;

/// <summary>Train / validation / test indices (into <see cref="DomainDataset.Items"/>) for every domain.</summary>
/// <param name="Domains">One split per domain, in the order of <see cref="DomainDataset.Domains"/>.</param>
/// <param name="Source">Where the split came from: "official lists in DIR" or "random 80/20, seed S".</param>
public sealed record DataSplits(IReadOnlyList<DomainSplit> Domains, string Source)
{
    public IReadOnlyList<int> Train(int domain) => Domains[domain].Train;

    public IReadOnlyList<int> Validation(int domain) => Domains[domain].Validation;

    public IReadOnlyList<int> Test(int domain) => Domains[domain].Test;
}

/// <summary>The three index lists of one domain.</summary>
/// <param name="Train">Images to train on when the domain is a source.</param>
/// <param name="Validation">Images to select models on when the domain is a source.</param>
/// <param name="Test">Images to report on when the domain is the target (for PACS, the whole domain).</param>
public sealed record DomainSplit(IReadOnlyList<int> Train, IReadOnlyList<int> Validation, IReadOnlyList<int> Test);
