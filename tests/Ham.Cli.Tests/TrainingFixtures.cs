using Ham.Cli.Data;
using Ham.Cli.Training;

namespace Ham.Cli.Tests;

/// <summary>A generated data set and a small recipe for tests of the whole job.</summary>
public static class TrainingFixtures
{
    /// <summary>Writes the synthetic data set (4 domains × 6 classes) into <paramref name="folder"/>.</summary>
    public static string SyntheticData(DataTestFolder folder, int imagesPerClass = 24) =>
        SyntheticDomains.Write(folder.Path("synthetic"), seed: 7, new SyntheticOptions(imagesPerClass, Size: 32));

    /// <summary>A short recipe on the synthetic data: 32 px, 16 images per source and step.</summary>
    public static DgOptions Recipe(string data, IReadOnlyList<string> methods, int steps, string target = "sketch") =>
        new()
        {
            Data = data,
            Targets = [target],
            Seeds = [0],
            Methods = methods,
            Steps = steps,
            Resolution = 32,
            Batch = 16,
            EvalEvery = Math.Max(1, steps / 4),
            SnapshotEvery = Math.Max(1, steps / 4),
            BatchNormImages = 128,
            Lambdas = [0.5, 1.0],
            SumLambdas = [0.3, 0.6],
            Densities = [0.3],
        };
}
