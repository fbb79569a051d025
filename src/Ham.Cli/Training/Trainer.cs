using System.Diagnostics;
using System.Text.Json;
using Ham.Algorithms;
using Ham.Cli.Data;
using Ham.Cli.Runs;
using Ham.Model.Checkpoints;
using Ham.Model.IO;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ham.Cli.Training;

/// <summary>
/// The training engine. K per-domain models (or one pooled erm model) step together: per model a batch of B from
/// its source (erm: B per source, pooled), augmented; SAE candidates from the other sources, accepted ones added to
/// the loss; with OPA all K gradients are computed, aligned per parameter group, then every model steps (Adam).
/// Validation every E_val steps, a checkpoint with it (weights, Adam moments, SAE state, counters), snapshots every
/// E_snap steps; every random draw is a function of (seed, training, model, step), so a resumed run equals an
/// uninterrupted one.
/// </summary>
public sealed class Trainer(CellContext cell, TrainingKind kind)
{
    private readonly DgOptions options = cell.Options;
    private readonly SaeOptions saeOptions = new();
    private readonly string folder = cell.Files.TrainingFolder(cell.Target, cell.Seed, kind.Name);
    private string StatePath => Path.Combine(folder, "state.json");

    /// <summary>Trains (or resumes, or loads a finished training) and returns its models.</summary>
    public TrainingOutcome Run()
    {
        var saved = ReadState();
        if (saved is { Done: true }) return LoadFinished(saved);

        var modelCount = kind.Pooled ? 1 : cell.Sources.Count;
        var encoders = Enumerable.Range(0, modelCount).Select(_ => cell.Backbone.CreateEncoder()).ToList();
        var adams = encoders.Select(e => new Adam(e.named_parameters(), options.LearningRate)).ToList();
        var state = new LoopState(modelCount);
        try
        {
            if (saved is not null) Restore(saved, encoders, adams, state);
            cell.Files.TrimLog(cell.Target, cell.Seed, kind.Name, state.Step);
            Loop(encoders, adams, state);
            return Finish(encoders, state);
        }
        finally
        {
            foreach (var adam in adams) adam.Dispose();
            foreach (var encoder in encoders) encoder.Dispose();
            state.Dispose();
        }
    }

    private void Loop(IReadOnlyList<nn.Module<Tensor, Tensor>> encoders, IReadOnlyList<Adam> adams, LoopState state)
    {
        var ownSamplers = OwnSamplers();
        var candidateSamplers = kind.Sae ? CandidateSamplers() : null;
        var clock = Stopwatch.StartNew();
        var secondsBefore = state.Seconds;
        var description = $"{cell.Target} seed {cell.Seed} {kind.Name}";
        using var progress = cell.Progress.Start(description, options.Steps, state.Step);

        for (var step = state.Step + 1; step <= options.Steps; step++)
        {
            cell.Cancel.ThrowIfCancellationRequested();
            cell.Budget?.Take();
            var stepClock = Stopwatch.StartNew();
            StepOutcome outcome;
            using (NewDisposeScope()) outcome = Step(encoders, adams, state, step, ownSamplers, candidateSamplers);
            var rate = outcome.Images / stepClock.Elapsed.TotalSeconds;
            var lines = LogLines(outcome, step, rate);

            state.Step = step;
            var validate = step % options.EvalEvery == 0 || step == options.Steps;
            if (validate) Validate(encoders, state, lines);
            cell.Files.AppendLog(lines);
            if (kind.Snapshots && (step % options.SnapshotEvery == 0 || step == options.Steps))
                Snapshot(encoders, state, step);
            state.Seconds = secondsBefore + clock.Elapsed.TotalSeconds;
            if (validate && step < options.Steps) Checkpoint(encoders, adams, state);

            var status = $"loss {lines.Average(l => l.Loss):0.000}" +
                         (state.LastValidation.Any(v => v > 0) ? $", val {state.LastValidation.Average():P1}" : "");
            progress.Report(step, rate, status);
        }
    }

    // What one step did, per model: loss and accuracy on its own batch, SAE's threshold and acceptance rates (by
    // source domain), and OPA's conflicts; Images counts the own batches only.
    private sealed record StepOutcome(double[] Losses, double[] Accuracies, double[] Thresholds,
        double[][] Acceptance, OpaLog? Opa, int Images);

    // Every model's forward and backward, OPA on the K gradients, then every model's Adam step (and SWAD's mean).
    private StepOutcome Step(IReadOnlyList<nn.Module<Tensor, Tensor>> encoders, IReadOnlyList<Adam> adams,
        LoopState state, int step, List<List<EpochSampler>> ownSamplers, List<EpochSampler>? candidateSamplers)
    {
        var modelCount = encoders.Count;
        var outcome = new StepOutcome(new double[modelCount], new double[modelCount], new double[modelCount],
            new double[modelCount][], null, 0);
        var images = 0;
        for (var k = 0; k < modelCount; k++)
        {
            var batch = ownSamplers[k].SelectMany(sampler => sampler.Batch(step - 1, options.Batch)).ToList();
            images += batch.Count;
            var (loss, accuracy, acceptanceRates) = ModelStep(encoders[k], adams[k], batch, k, step,
                candidateSamplers?[k], state);
            outcome.Losses[k] = loss;
            outcome.Accuracies[k] = accuracy;
            if (acceptanceRates is null) continue;
            outcome.Acceptance[k] = acceptanceRates;
            outcome.Thresholds[k] = state.Sae[k].HasThreshold ? state.Sae[k].Threshold : double.NaN;
        }

        var opa = kind.Opa && modelCount > 1 ? Align(adams) : null;
        foreach (var adam in adams) adam.StepOnce();
        if (kind.Swad && step >= SwadFirstStep()) state.Accumulate(encoders[0], cell.Backbone.TrainedKeys);
        return outcome with { Opa = opa, Images = images };
    }

    private List<LogLine> LogLines(StepOutcome outcome, int step, double rate) =>
        Enumerable.Range(0, outcome.Losses.Length).Select(k => new LogLine
        {
            Target = cell.Target,
            Seed = cell.Seed,
            Training = kind.Name,
            Step = step,
            Model = kind.Pooled ? -1 : k,
            Domain = kind.Pooled ? null : cell.Store.Data.Domains[cell.Sources[k]],
            Loss = outcome.Losses[k],
            Accuracy = outcome.Accuracies[k],
            ImgPerS = Math.Round(rate, 2),
            Sae = kind.Sae ? new SaeLog
            {
                Thresholds = outcome.Thresholds.Select(t => double.IsNaN(t) ? 1.0 : Math.Round(t, 5)).ToList(),
                Acceptance = outcome.Acceptance.Select(r => (IReadOnlyList<double>)r.Select(
                    v => Math.Round(v, 4)).ToList()).ToList(),
            } : null,
            Opa = outcome.Opa,
        }).ToList();

    // One model's forward and backward: CE on its own batch (+ β CE on accepted candidates with SAE). With SAE the
    // choice is made first, without gradients and with the running statistics, on the own batch and the candidates;
    // then the own batch and the accepted candidates go through the network together.
    private (double Loss, double Accuracy, double[]? Acceptance) ModelStep(nn.Module<Tensor, Tensor> encoder,
        Adam adam, IReadOnlyList<int> batch, int k, int step, EpochSampler? candidates, LoopState state)
    {
        var scale = cell.Backbone.LogitScale;
        var labels = cell.Store.Labels(batch);
        var input = Input(batch, Seeds.Random(cell.Seed, Seeds.Of(kind.Name), k, step, 1));
        var ownCount = input.shape[0];

        double[]? rates = null;
        Tensor? acceptedInput = null;
        Tensor? acceptedLabels = null;
        if (candidates is not null)
        {
            var candidateBatch = candidates.Batch(step - 1, options.Batch);
            var candidateLabels = cell.Store.Labels(candidateBatch);
            var candidateInput = Input(candidateBatch, Seeds.Random(cell.Seed, Seeds.Of(kind.Name), k, step, 2));
            Tensor ownLogits, candidateLogits;
            encoder.eval();
            using (no_grad())
            {
                var both = Evaluator.Logits(encoder.call(cat([input, candidateInput], 0)), cell.Head, scale);
                ownLogits = both.narrow(0, 0, ownCount);                     // [B + M, C] -> [B, C]
                candidateLogits = both.narrow(0, ownCount, candidateInput.shape[0]);
            }

            var selection = Sae.Select(state.Sae[k], ownLogits, labels, candidateLogits, candidateLabels,
                saeOptions, options.Steps);
            state.Sae[k] = selection.Next;
            var sourceOfCandidate = candidateBatch
                .Select(i => (long)IndexOf(cell.Sources, cell.Store.Data.Items[i].Domain)).ToArray();
            rates = Sae.AcceptanceRates(selection.Accepted, tensor(sourceOfCandidate), cell.Sources.Count);
            var acceptedPositions = nonzero(selection.Accepted.cpu()).reshape(-1);
            if (acceptedPositions.shape[0] > 0)
            {
                acceptedInput = candidateInput.index_select(0, acceptedPositions.to(candidateInput.device));
                acceptedLabels = candidateLabels.index_select(0, acceptedPositions.to(candidateLabels.device));
            }
        }

        adam.ZeroGrad();
        cell.Backbone.TrainMode(encoder, options.BatchNorm == "train");
        var together = acceptedInput is null ? input : cat([input, acceptedInput], 0);
        var features = encoder.call(together);                        // [B (+ A), 3, S, S] -> [B (+ A), E]
        var logits = Evaluator.Logits(features, cell.Head, scale);    // -> [B (+ A), C]
        var own = logits.narrow(0, 0, ownCount);
        var accuracy = own.argmax(1).eq(labels).to_type(ScalarType.Float32).mean().item<float>();
        var loss = acceptedLabels is null
            ? nn.functional.cross_entropy(own, labels)
            : Sae.Loss(own, labels, logits.narrow(0, ownCount, acceptedLabels.shape[0]), acceptedLabels,
                ones(acceptedLabels.shape[0], ScalarType.Bool, acceptedLabels.device), saeOptions.Beta);

        var lossValue = loss.item<float>();
        if (!float.IsFinite(lossValue))
            throw new InvalidOperationException(
                $"{cell.Target} seed {cell.Seed} {kind.Name}: the loss of model {k} is {lossValue} at step {step}; " +
                $"training diverged (try a smaller --lr than {options.LearningRate})");
        loss.backward();
        return (lossValue, accuracy, rates);
    }

    private Tensor Input(IReadOnlyList<int> batch, Random random)
    {
        using var pixels = cell.Store.Pixels(batch);
        using var augmented = Augment.RandomResizedCropFlip(pixels, random);
        return cell.Backbone.Preprocess(augmented);
    }

    // OPA on the K models' gradients, written back in place; the log's conflict counts and mean cosine.
    private OpaLog Align(IReadOnlyList<Adam> adams)
    {
        var gradients = adams.Select(a => a.Gradients()).ToList();
        var result = Opa.Align(gradients.Select(g => (IReadOnlyDictionary<string, Tensor>)g).ToList(),
            cell.Backbone.Groups);
        using (no_grad())
        {
            for (var k = 0; k < gradients.Count; k++)
            foreach (var (key, aligned) in result.Gradients[k])
            {
                gradients[k][key].copy_(aligned);
                aligned.Dispose();
            }
        }
        return new OpaLog
        {
            Conflicts = result.Groups.ToDictionary(g => g.Group, g => g.Conflicts),
            MeanCosine = Math.Round(result.Groups.SelectMany(g => g.Cosines).DefaultIfEmpty(0).Average(), 5),
        };
    }

    private void Validate(IReadOnlyList<nn.Module<Tensor, Tensor>> encoders, LoopState state, List<LogLine> lines)
    {
        for (var k = 0; k < encoders.Count; k++)
        {
            var indices = kind.Pooled ? cell.SourceValidation : cell.Splits.Validation(cell.Sources[k]);
            var accuracy = cell.Evaluator.Accuracy(encoders[k], cell.Head, indices, cell.Cancel);
            state.LastValidation[k] = accuracy;
            var at = lines.FindIndex(l => l.Model == (kind.Pooled ? -1 : k));
            lines[at] = lines[at] with { ValAccuracy = Math.Round(accuracy, 6) };
            if (kind.Pooled && accuracy > state.BestValidation)
            {
                state.BestValidation = accuracy;
                state.BestStep = state.Step;
                StateDicts.Dispose(state.Best?.Values);
                state.Best = StateDicts.Copy(encoders[k], toCpu: true);
            }
        }
    }

    private void Snapshot(IReadOnlyList<nn.Module<Tensor, Tensor>> encoders, LoopState state, int step)
    {
        for (var k = 0; k < encoders.Count; k++)
        {
            var relative = $"snapshots/model{k}-step{step}.safetensors";
            var path = Path.Combine(folder, relative);
            var trained = StateDicts.Copy(encoders[k], cell.Backbone.TrainedKeys.ToHashSet(), toCpu: true);
            try { Safetensors.Write(path, trained); }
            finally { StateDicts.Dispose(trained.Values); }
            if (!state.Snapshots[k].Contains(relative)) state.Snapshots[k].Add(relative);
        }
    }

    private void Checkpoint(IReadOnlyList<nn.Module<Tensor, Tensor>> encoders, IReadOnlyList<Adam> adams,
        LoopState state)
    {
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (var k = 0; k < encoders.Count; k++)
        {
            foreach (var (key, value) in encoders[k].state_dict()) tensors[$"model{k}.{key}"] = value;
            foreach (var (key, value) in adams[k].State()) tensors[$"adam{k}.{key}"] = value;
        }
        AddTo(tensors, "best.", state.Best);
        AddTo(tensors, "average.", state.Average);
        var file = $"state-step{state.Step}.safetensors";
        Safetensors.Write(Path.Combine(folder, file), tensors);
        var previous = ReadState();
        WriteState(state.ToSaved(file, done: false, adams.Select(a => a.Step).ToList()));
        if (previous is not null && previous.File != file) TryDelete(Path.Combine(folder, previous.File));
    }

    private TrainingOutcome Finish(IReadOnlyList<nn.Module<Tensor, Tensor>> encoders, LoopState state)
    {
        var models = kind.Pooled
            ? [state.Best ?? StateDicts.Copy(encoders[0], toCpu: true)]
            : encoders.Select(e => StateDicts.Copy(e, toCpu: true)).ToList();
        if (kind.Pooled) state.Best = null;
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (var k = 0; k < models.Count; k++) AddTo(tensors, $"model{k}.", models[k]);
        AddTo(tensors, "average.", state.Average);
        Safetensors.Write(Path.Combine(folder, "final.safetensors"), tensors);
        var previous = ReadState();
        WriteState(state.ToSaved("final.safetensors", done: true, []));
        if (previous is not null && previous.File != "final.safetensors")
            TryDelete(Path.Combine(folder, previous.File));

        var average = state.TakeAverage();
        return new TrainingOutcome
        {
            Models = models,
            Average = average,
            AverageSteps = average is null ? null : (SwadFirstStep(), options.Steps),
            BestStep = state.BestStep,
            BestValidation = state.BestValidation,
            LastValidation = state.LastValidation.ToList(),
            Snapshots = state.Snapshots.Select(s => (IReadOnlyList<string>)s.Select(Full).ToList()).ToList(),
            Seconds = state.Seconds,
            Steps = options.Steps,
        };
    }

    private TrainingOutcome LoadFinished(SavedState saved)
    {
        var modelCount = kind.Pooled ? 1 : cell.Sources.Count;
        saved.RequireModels(modelCount, StatePath, kind.Name);
        var path = Path.Combine(folder, saved.File);
        var tensors = Safetensors.ReadAll(path);
        var models = Enumerable.Range(0, modelCount)
            .Select(k => StateDicts.Unprefixed($"model{k}.", tensors)).ToList();
        var empty = models.FindIndex(m => m.Count == 0);
        if (empty >= 0)
        {
            StateDicts.Dispose(tensors.Values);
            throw new InvalidDataException($"{path}: no tensors of model{empty}, expected {modelCount} models");
        }
        var average = StateDicts.Unprefixed("average.", tensors);
        return new TrainingOutcome
        {
            Models = models,
            Average = average.Count > 0 ? average : null,
            AverageSteps = average.Count > 0 ? (SwadFirstStep(), options.Steps) : null,
            BestStep = saved.BestStep,
            BestValidation = saved.BestValidation,
            LastValidation = saved.LastValidation,
            Snapshots = saved.Snapshots.Select(s => (IReadOnlyList<string>)s.Select(Full).ToList()).ToList(),
            Seconds = saved.Seconds,
            Steps = options.Steps,
        };
    }

    private void Restore(SavedState saved, IReadOnlyList<nn.Module<Tensor, Tensor>> encoders,
        IReadOnlyList<Adam> adams, LoopState state)
    {
        saved.RequireModels(encoders.Count, StatePath, kind.Name);
        var path = Path.Combine(folder, saved.File);
        var tensors = Safetensors.ReadAll(path, device: cell.Backbone.Device);
        try
        {
            for (var k = 0; k < encoders.Count; k++)
            {
                StateDicts.Load(encoders[k], StateDicts.Unprefixed($"model{k}.", tensors), requireAll: true,
                    source: $"{path} (model{k}.)");
                adams[k].Restore(StateDicts.Unprefixed($"adam{k}.", tensors), saved.AdamSteps[k]);
            }
            var best = StateDicts.Unprefixed("best.", tensors);
            if (best.Count > 0) state.Best = best.ToDictionary(p => p.Key, p => p.Value.cpu().clone());
            var average = StateDicts.Unprefixed("average.", tensors);
            if (average.Count > 0) state.Average = average.ToDictionary(p => p.Key, p => p.Value.cpu().clone());
        }
        finally
        {
            StateDicts.Dispose(tensors.Values);
        }
        state.Restore(saved);
        Log.Info($"{cell.Target} seed {cell.Seed} {kind.Name}: resumed from step {saved.Step} ({path})");
    }

    private static void AddTo(Dictionary<string, Tensor> tensors, string prefix, Dictionary<string, Tensor>? values)
    {
        if (values is null) return;
        foreach (var (key, value) in values) tensors[prefix + key] = value;
    }

    // Per model, one sampler per part of its batch: its own source, or (erm) every source.
    private List<List<EpochSampler>> OwnSamplers()
    {
        var name = Seeds.Of(kind.Name);
        if (kind.Pooled)
            return [cell.Sources.Select((s, j) => new EpochSampler(cell.Splits.Train(s), Seeds.Mix(cell.Seed, name,
                100 + j))).ToList()];
        return cell.Sources.Select((s, k) => new List<EpochSampler>
            { new(cell.Splits.Train(s), Seeds.Mix(cell.Seed, name, k)) }).ToList();
    }

    // Candidates of model k: the training images of the other sources.
    private List<EpochSampler> CandidateSamplers()
    {
        var name = Seeds.Of(kind.Name);
        return cell.Sources.Select((s, k) => new EpochSampler(
            cell.Sources.Where(o => o != s).SelectMany(o => cell.Splits.Train(o)).ToList(),
            Seeds.Mix(cell.Seed, name, 200 + k))).ToList();
    }

    private string Full(string relative) => Path.Combine(folder, relative);

    private int SwadFirstStep() => Math.Max(1, (int)Math.Ceiling(options.SwadStart * options.Steps));

    private static int IndexOf(IReadOnlyList<int> list, int value)
    {
        for (var i = 0; i < list.Count; i++) if (list[i] == value) return i;
        throw new InvalidOperationException($"domain {value} is not a source");
    }

    private SavedState? ReadState()
    {
        if (!File.Exists(StatePath)) return null;
        try
        {
            return JsonSerializer.Deserialize<SavedState>(File.ReadAllText(StatePath), RunFiles.Json);
        }
        catch (JsonException exception)
        {
            throw new InvalidDataException($"{StatePath}: not a training state: {exception.Message}", exception);
        }
    }

    private void WriteState(SavedState saved) =>
        AtomicFile.WriteAllText(StatePath, JsonSerializer.Serialize(saved, RunFiles.Json) + "\n");

    private static void TryDelete(string path)
    {
        try { if (File.Exists(path)) File.Delete(path); }
        catch (IOException) { }
    }

    /// <summary>Deletes a finished training's files once no method needs them.</summary>
    public void DeleteFiles()
    {
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
    }

    /// <summary>The training's counters as saved in state.json.</summary>
    public sealed record SavedState(
        int Step,
        bool Done,
        string File,
        double Seconds,
        IReadOnlyList<long> AdamSteps,
        IReadOnlyList<SaeState> Sae,
        int BestStep,
        double BestValidation,
        int AverageCount,
        IReadOnlyList<double> LastValidation,
        IReadOnlyList<IReadOnlyList<string>> Snapshots)
    {
        /// <summary>Throws, naming <paramref name="path"/>, unless every per-model list has
        /// <paramref name="modelCount"/> entries (Adam's steps only while unfinished; a finished state has none).
        /// </summary>
        public void RequireModels(int modelCount, string path, string training)
        {
            var counts = new List<int> { Sae.Count, LastValidation.Count, Snapshots.Count };
            if (!Done) counts.Add(AdamSteps.Count);
            if (counts.Any(c => c != modelCount))
                throw new InvalidDataException(
                    $"{path}: the saved training has {string.Join("/", counts.Distinct())} models, this cell " +
                    $"trains {modelCount} ({training}); was the run directory's options.json changed?");
        }
    }

    private sealed class LoopState(int modelCount) : IDisposable
    {
        public int Step;
        public double Seconds;
        public readonly SaeState[] Sae = Enumerable.Repeat(SaeState.Initial, modelCount).ToArray();
        public int BestStep;
        public double BestValidation = -1;
        public Dictionary<string, Tensor>? Best;
        public Dictionary<string, Tensor>? Average;
        public int AverageCount;
        public readonly double[] LastValidation = new double[modelCount];
        public readonly List<string>[] Snapshots = Enumerable.Range(0, modelCount).Select(_ => new List<string>())
            .ToArray();

        // SWAD's running mean of the trained tensors, on CPU: WeightAveraging.Add of this step's weights.
        public void Accumulate(nn.Module<Tensor, Tensor> encoder, IReadOnlyList<string> keys)
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            var state = encoder.state_dict();
            var weights = keys.ToDictionary(key => key, key => state[key].detach().cpu(), StringComparer.Ordinal);
            var previous = Average is null ? null : new WeightAverage(Average, AverageCount);
            var next = WeightAveraging.Add(previous, weights);
            foreach (var mean in next.Mean.Values) mean.DetachFromDisposeScope();
            StateDicts.Dispose(Average?.Values);
            Average = next.Mean.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
            AverageCount = checked((int)next.Count);
        }

        public Dictionary<string, Tensor>? TakeAverage()
        {
            var average = Average;
            Average = null;
            return average;
        }

        public SavedState ToSaved(string file, bool done, IReadOnlyList<long> adamSteps) => new(
            Step, done, file, Seconds, adamSteps, Sae.ToList(), BestStep, BestValidation, AverageCount,
            LastValidation.ToList(), Snapshots.Select(s => (IReadOnlyList<string>)s.ToList()).ToList());

        public void Restore(SavedState saved)
        {
            Step = saved.Step;
            Seconds = saved.Seconds;
            for (var k = 0; k < Sae.Length; k++) Sae[k] = saved.Sae[k];
            BestStep = saved.BestStep;
            BestValidation = saved.BestValidation;
            AverageCount = saved.AverageCount;
            for (var k = 0; k < LastValidation.Length; k++) LastValidation[k] = saved.LastValidation[k];
            for (var k = 0; k < Snapshots.Length; k++) Snapshots[k] = saved.Snapshots[k].ToList();
        }

        public void Dispose()
        {
            StateDicts.Dispose(Best?.Values);
            StateDicts.Dispose(Average?.Values);
        }
    }
}
