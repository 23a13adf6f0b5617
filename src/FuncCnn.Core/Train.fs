namespace FuncCnn.Core

open FuncCnn

open FuncCnn.Core
open System
open System.Diagnostics
open FuncCnn.Core.Nn

/// Training or evaluation examples addressed by index: how many there are, one example's shape,
/// and a function that gathers the inputs [n, ...] and targets of given indices, in that order.
/// Any source fits (tensors in memory, a Dataset converting bytes per batch, ...).
type Examples =
    { Count: int
      /// One example's shape without the batch, (C,H,W) for images.
      InputShape: int[]
      Gather: int[] -> Tensor * Targets }

/// Where validation data comes from.
type Validation =
    | NoValidation
    /// The last fraction of the training examples, taken before shuffling (as Keras does).
    | ValidationSplit of fraction: float
    | ValidationSet of Examples

/// The quantity early stopping watches.
type Monitor =
    | ValLoss
    | ValAccuracy
    | TrainLoss
    | TrainAccuracy

/// Stop when the monitored quantity has not improved by more than MinDelta for Patience epochs;
/// with RestoreBest the returned parameters are those of the best epoch.
type EarlyStopping = { Monitor: Monitor; Patience: int; MinDelta: float; RestoreBest: bool }

/// One epoch of history. Accuracies are None for non-categorical losses; validation values are
/// None without validation data. Seconds is wall-clock time (the one field that is not reproducible).
type EpochRecord =
    { Epoch: int
      TrainLoss: float
      TrainAccuracy: float option
      ValLoss: float option
      ValAccuracy: float option
      /// The rate of the epoch's last step.
      LearningRate: float32
      Seconds: float
      /// False for an epoch that training was stopped in the middle of (its losses cover the
      /// batches that ran; it has no validation values).
      Complete: bool }

/// Progress after one batch (1-based numbers), for progress bars.
type BatchProgress =
    { ProgressEpoch: int
      Batch: int
      Batches: int
      BatchLoss: float32
      /// Mean loss over the epoch's batches so far, weighted by batch size.
      RunningLoss: float
      /// Accuracy over the epoch's examples so far (categorical losses only).
      RunningAccuracy: float option
      /// Examples of this epoch trained on so far.
      Seen: int }

/// Everything `step` and `fit` need besides the model and the data.
type TrainConfig =
    { Loss: Loss
      Optimizer: Optim.Optimizer
      /// Learning rate per optimizer step (0-based).
      Schedule: Optim.Schedule
      /// Which parameter paths ("conv1/kernel") the optimizer updates; the others stay frozen.
      Trainable: string -> bool
      BatchSize: int
      Epochs: int
      Validation: Validation
      /// Seeds the shuffles and dropout: same seed, same data → same history and parameters.
      Seed: int64
      Shuffle: bool
      EarlyStopping: EarlyStopping option
      OnEpoch: EpochRecord -> unit
      OnBatch: BatchProgress -> unit
      /// Asked before every batch: true stops training there, keeping what was trained
      /// (a cancellation token, Ctrl+C). The result then says Cancelled.
      ShouldStop: unit -> bool }

/// Where training is: the model with its current parameters, the optimizer state and the
/// generator for the next step's dropout.
type TrainState = { Model: Model; Optimizer: Optim.OptimizerState; Rng: Rng }

/// What one step measured on its batch (loss before the update, correct predictions in it).
type StepResult = { StepLoss: float32; Correct: int; Count: int }

/// Loss (mean per example) and accuracy (categorical losses only) over a set of examples.
type Evaluation = { EvalLoss: float; Accuracy: float option; Examples: int }

/// What one pass of a classifier over labelled examples measures: the mean cross-entropy, the
/// accuracy, counts.[actual, predicted] and every misclassified example in index order.
type Assessment =
    { AssessedLoss: float
      AssessedAccuracy: float
      Confusion: int[,]
      Misclassified: Misclassified list
      Count: int }

/// The trained model, its history and how training ended.
type FitResult =
    { Trained: Model
      History: EpochRecord list
      /// The epoch (1-based) early stopping judged best, if it was used.
      BestEpoch: int option
      StoppedEarly: bool
      /// ShouldStop ended training before the last epoch was complete.
      Cancelled: bool
      FinalState: TrainState }

module Examples =
    /// Rows of a tensor [N, ...] at the given indices, as a new tensor.
    let internal gatherRows (t: Tensor) (indices: int[]) =
        let n = t.Dims.[0]
        let row = if n = 0 then 0 else t.Numel / n
        let out = Array.zeroCreate (indices.Length * row)
        indices |> Array.iteri (fun k i ->
            if i < 0 || i >= n then Fail.value "examples: index %d is outside 0..%d" i (n - 1)
            Array.blit t.Data (i * row) out (k * row) row)
        Tensor.wrap (Array.append [| indices.Length |] t.Dims.[1..]) out

    /// Examples held in memory: inputs [N, ...] and targets (N labels, or a tensor [N, ...]).
    let ofTensors (inputs: Tensor) (targets: Targets) : Examples =
        if inputs.Rank < 2 then Fail.shape "examples: inputs must be [N, ...] with a batch dimension first, got %s" (Shape.show inputs.Dims)
        let n = inputs.Dims.[0]
        match targets with
        | Labels l when l.Length <> n -> Fail.shape "examples: %d labels for %d inputs %s" l.Length n (Shape.show inputs.Dims)
        | Values t when t.Rank = 0 || t.Dims.[0] <> n -> Fail.shape "examples: targets %s do not have one row per input of %s" (Shape.show t.Dims) (Shape.show inputs.Dims)
        | _ -> ()
        let sameTensor = match targets with Values t -> obj.ReferenceEquals(t, inputs) | Labels _ -> false
        { Count = n
          InputShape = inputs.Dims.[1..]
          Gather = fun idx ->
            let x = gatherRows inputs idx
            x, (match targets with
                | Labels l -> Labels(idx |> Array.map (fun i -> l.[i]))
                | Values _ when sameTensor -> Values x
                | Values t -> Values(gatherRows t idx)) }

    /// A labelled image dataset: batches are made when gathered (bytes become v/255 then), so the
    /// dataset is never copied as a whole.
    let ofDataset (ds: FuncCnn.Core.Data.Dataset) : Examples =
        { Count = Data.Dataset.count ds
          InputShape = Array.copy ds.ImageShape
          Gather = fun idx -> Data.Dataset.toTensor idx ds, Labels(idx |> Array.map (fun i -> ds.Labels.[i])) }

    /// A dataset's images as their own targets (an autoencoder); tensors are made per batch.
    let reconstructionOfDataset (ds: FuncCnn.Core.Data.Dataset) : Examples =
        { Count = Data.Dataset.count ds
          InputShape = Array.copy ds.ImageShape
          Gather = fun idx -> let x = Data.Dataset.toTensor idx ds in x, Values x }

    /// Images [N,C,H,W] (NCHW) with their class labels.
    let labelled (inputs: Tensor) (labels: int[]) = ofTensors inputs (Labels(Array.copy labels))

    /// Inputs that are their own targets (an autoencoder).
    let autoencoder (inputs: Tensor) = ofTensors inputs (Values inputs)

    /// The examples at the given indices, in that order (no copy until gathered).
    let subset (indices: int[]) (ex: Examples) : Examples =
        let idx = Array.copy indices
        idx |> Array.iter (fun i -> if i < 0 || i >= ex.Count then Fail.value "examples: index %d is outside 0..%d" i (ex.Count - 1))
        { Count = idx.Length; InputShape = ex.InputShape; Gather = fun is -> ex.Gather(is |> Array.map (fun i -> idx.[i])) }

    /// The first n examples.
    let take (n: int) (ex: Examples) = subset (Array.init (min n ex.Count) id) ex

    /// Keras' validation split: (first part, last `fraction`) with the split at floor(count * (1 - fraction)).
    let split (fraction: float) (ex: Examples) =
        if not (fraction > 0.0 && fraction < 1.0) then Fail.value "validation split must be in (0, 1), got %g" fraction
        let at = int (floor (float ex.Count * (1.0 - fraction)))
        if at = 0 || at = ex.Count then Fail.value "validation split %g of %d examples leaves one part empty" fraction ex.Count
        subset (Array.init at id) ex, subset (Array.init (ex.Count - at) (fun i -> at + i)) ex

    /// Index batches over an order; the last partial batch is kept (like Keras).
    let batchIndices (batchSize: int) (order: int[]) : int[][] =
        if batchSize < 1 then Fail.value "batch size must be at least 1, got %d" batchSize
        order |> Array.chunkBySize batchSize

module Train =
    /// Keras' defaults: sparse categorical cross-entropy, Adam (1e-3, eps 1e-7), batch 128, one
    /// epoch, shuffling, everything trainable, no validation, seed 0.
    let defaults: TrainConfig =
        { Loss = SparseCategoricalCrossEntropy
          Optimizer = Optim.adamKeras
          Schedule = Optim.Schedule.constant 1e-3f
          Trainable = fun _ -> true
          BatchSize = 128
          Epochs = 1
          Validation = NoValidation
          Seed = 0L
          Shuffle = true
          EarlyStopping = None
          OnEpoch = ignore
          OnBatch = ignore
          ShouldStop = fun () -> false }

    /// The starting state for a model: fresh optimizer moments and the dropout generator of the seed.
    let init (config: TrainConfig) (model: Model) : TrainState =
        { Model = model; Optimizer = Optim.init config.Optimizer model.Params; Rng = Rng.create config.Seed |> Rng.fold "dropout" }

    /// Loss and gradients for one batch, differentiating only the trainable leaves (frozen ones
    /// enter as constants, so their gradients are never computed). Also returns the outputs.
    let private lossAndGrads (config: TrainConfig) (model: Model) (rng: Rng) (inputs: Tensor) (targets: Targets) =
        let outputs = ref null
        let lossOf (p: ParamTree) =
            let out = Model.applyLogits model p Train rng inputs
            outputs.Value <- out
            Loss.compute config.Loss out targets
        let leaves = ParamTree.leaves model.Params
        let loss, grads =
            if leaves |> List.forall (fst >> config.Trainable) then Autodiff.valueAndGradParams lossOf model.Params
            else
                let trainable = leaves |> List.filter (fst >> config.Trainable)
                // Full tree from the trainable leaves: frozen slots keep their own tensor (as constants
                // when differentiating; as ignored placeholders in the gradient tree).
                let rebuild (part: ParamTree) =
                    let merged, _ =
                        leaves |> List.mapFold (fun fresh (path, t) ->
                            match fresh with
                            | (_, f) :: rest when config.Trainable path -> f, rest
                            | _ -> t, fresh) (ParamTree.leaves part)
                    ParamTree.withLeaves merged model.Params
                let loss, g = Autodiff.valueAndGradParams (rebuild >> lossOf) (ParamTree.ofList trainable)
                loss, rebuild g
        loss.ToScalar(), grads, outputs.Value

    /// One pure training step: forward in Train mode, loss, gradients, optimizer update of the
    /// trainable parameters. Returns the new state and what the step measured on the batch.
    let stepWith (config: TrainConfig) (state: TrainState) (inputs: Tensor) (targets: Targets) : TrainState * StepResult =
        let dropoutRng, nextRng = Rng.split state.Rng
        let model = state.Model
        let lr = config.Schedule state.Optimizer.Step
        let loss, grads, outputs = lossAndGrads config model dropoutRng inputs targets
        let p, opt = Optim.updateWhere config.Trainable config.Optimizer lr state.Optimizer model.Params grads
        let correct = if Loss.isCategorical config.Loss then Metrics.correctCount outputs targets else 0
        { Model = { model with Params = p }; Optimizer = opt; Rng = nextRng },
        { StepLoss = loss; Correct = correct; Count = inputs.Dims.[0] }

    /// One training step on images [N,C,H,W] with class labels: (new state, batch loss).
    let step (config: TrainConfig) (state: TrainState) (images: Tensor) (labels: int[]) : TrainState * float32 =
        let s, r = stepWith config state images (Labels labels)
        s, r.StepLoss

    /// Mean loss and accuracy over examples, in Eval mode, batch by batch in order.
    let evaluate (loss: Loss) (batchSize: int) (model: Model) (ex: Examples) : Evaluation =
        if ex.Count = 0 then Fail.value "evaluate: no examples"
        let rng = Rng.create 0L
        let total, correct =
            Examples.batchIndices batchSize (Array.init ex.Count id)
            |> Array.fold (fun (total, correct) idx ->
                let x, t = ex.Gather idx
                let out = Model.applyLogits model model.Params Eval rng x
                let l = (Loss.compute loss out t).ToScalar()
                total + float l * float idx.Length,
                correct + (if Loss.isCategorical loss then Metrics.correctCount out t else 0)) (0.0, 0)
        { EvalLoss = total / float ex.Count
          Accuracy = (if Loss.isCategorical loss then Some(float correct / float ex.Count) else None)
          Examples = ex.Count }

    /// The model's raw outputs for inputs [N, ...], in Eval mode, computed in batches.
    let predictOutputs (batchSize: int) (model: Model) (inputs: Tensor) : Tensor =
        let rng = Rng.create 0L
        let parts =
            Examples.batchIndices batchSize (Array.init inputs.Dims.[0] id)
            |> Array.map (fun idx -> Model.apply model model.Params Eval rng (Examples.gatherRows inputs idx))
        if parts.Length = 1 then parts.[0]
        else Tensor.wrap (Array.append [| inputs.Dims.[0] |] model.OutputShape) (parts |> Array.collect (fun t -> t.Data))

    /// Class probabilities [N, classes] (softmax of the logits, or the model's own softmax).
    let predict (batchSize: int) (model: Model) (inputs: Tensor) : Tensor =
        let out = predictOutputs batchSize model inputs
        if Model.endsInSoftmax model then out else Nn.softmax out

    /// The most probable class of each input.
    let predictClasses (batchSize: int) (model: Model) (inputs: Tensor) : int[] =
        predictOutputs batchSize model inputs |> Metrics.argmaxRows

    /// One pass over labelled examples in batches: the logits give the cross-entropy, their softmax
    /// the predictions, so loss, accuracy, confusion matrix and errors come from the same forward pass.
    let assess (batchSize: int) (model: Model) (ex: Examples) : Assessment =
        if ex.Count = 0 then Fail.value "assess: no examples"
        let classes = model.OutputShape |> Array.fold (*) 1
        let rng = Rng.create 0L
        let confusion = Array2D.zeroCreate classes classes
        let batches = Examples.batchIndices batchSize (Array.init ex.Count id)
        let lossSum, errors =
            batches |> Array.fold (fun (lossSum, errors) idx ->
                let x, t = ex.Gather idx
                let labels = match t with Labels l -> l | Values v -> Metrics.argmaxRows v
                let logits = Model.applyLogits model model.Params Eval rng x
                let loss = (Loss.compute SparseCategoricalCrossEntropy logits (Labels labels)).ToScalar()
                let probabilities = Nn.softmax logits
                let batchConfusion = Metrics.confusionMatrix classes labels (Metrics.argmaxRows probabilities)
                Array2D.iteri (fun a p k -> confusion.[a, p] <- confusion.[a, p] + k) batchConfusion
                // Metrics.misclassified counts within the batch: shift to the examples' own indices
                let batchErrors = Metrics.misclassified probabilities labels |> List.map (fun e -> { e with Index = idx.[e.Index] })
                lossSum + float loss * float idx.Length, List.rev batchErrors @ errors) (0.0, [])
        let correct = Seq.init classes (fun c -> confusion.[c, c]) |> Seq.sum
        { AssessedLoss = lossSum / float ex.Count
          AssessedAccuracy = float correct / float ex.Count
          Confusion = confusion
          Misclassified = List.rev errors
          Count = ex.Count }

    /// counts.[actual, predicted] over the examples.
    let confusionMatrix (batchSize: int) (model: Model) (ex: Examples) : int[,] =
        (assess batchSize model ex).Confusion

    /// Every misclassified example with predicted and true label and the confidence of the prediction.
    let misclassified (batchSize: int) (model: Model) (ex: Examples) : Misclassified list =
        (assess batchSize model ex).Misclassified

    let private monitored (m: Monitor) (r: EpochRecord) =
        let need what = function Some v -> v | None -> Fail.value "early stopping monitors %s, which this training does not compute" what
        match m with
        | ValLoss -> need "the validation loss (give validation data)" r.ValLoss
        | ValAccuracy -> need "the validation accuracy (give validation data and a categorical loss)" r.ValAccuracy
        | TrainLoss -> r.TrainLoss
        | TrainAccuracy -> need "the training accuracy (use a categorical loss)" r.TrainAccuracy

    let private improves (m: Monitor) (minDelta: float) (best: float) (current: float) =
        match m with
        | ValLoss | TrainLoss -> current < best - minDelta
        | ValAccuracy | TrainAccuracy -> current > best + minDelta

    /// One epoch as a fold over its batches, stopping early when config.ShouldStop says so; fails
    /// naming epoch and batch on a non-finite loss. Returns the state, the summed loss, the correct
    /// count, the examples seen and whether it was stopped.
    let private runEpoch (config: TrainConfig) (epoch: int) (train: Examples) (state: TrainState) =
        let order =
            if config.Shuffle then Rng.create config.Seed |> Rng.fold "shuffle" |> Rng.fold (string epoch) |> Rng.permutation train.Count
            else Array.init train.Count id
        let batches = Examples.batchIndices config.BatchSize order
        let categorical = Loss.isCategorical config.Loss
        let rec go b (state: TrainState) lossSum correct seen =
            if b = batches.Length then state, lossSum, correct, seen, false
            elif config.ShouldStop () then state, lossSum, correct, seen, true
            else
                let x, t = train.Gather batches.[b]
                let state', r = stepWith config state x t
                if not (Single.IsFinite r.StepLoss) then raise (TrainingDivergedException(epoch, b + 1, r.StepLoss))
                let lossSum, correct, seen = lossSum + float r.StepLoss * float r.Count, correct + r.Correct, seen + r.Count
                config.OnBatch
                    { ProgressEpoch = epoch; Batch = b + 1; Batches = batches.Length; BatchLoss = r.StepLoss
                      RunningLoss = lossSum / float seen
                      RunningAccuracy = (if categorical then Some(float correct / float seen) else None)
                      Seen = seen }
                go (b + 1) state' lossSum correct seen
        go 0 state 0.0 0 0

    /// Trains a model: a fold over epochs and, inside each, over seeded shuffled batches, with
    /// validation, a learning-rate schedule, early stopping and a per-epoch callback. Same seed and
    /// same data give the same history (apart from Seconds) and bit-identical parameters.
    let fitFrom (config: TrainConfig) (start: TrainState) (data: Examples) : FitResult =
        if config.Epochs < 0 then Fail.value "epochs must be at least 0, got %d" config.Epochs
        if config.BatchSize < 1 then Fail.value "batch size must be at least 1, got %d" config.BatchSize
        let train, validation =
            match config.Validation with
            | NoValidation -> data, None
            | ValidationSplit f -> let t, v = Examples.split f data in t, Some v
            | ValidationSet v -> data, Some v
        if train.Count = 0 then Fail.value "fit: no training examples"
        config.EarlyStopping |> Option.iter (fun es ->
            if es.Patience < 0 then Fail.value "early stopping patience must be at least 0, got %d" es.Patience
            match es.Monitor, validation with
            | (ValLoss | ValAccuracy), None ->
                Fail.value "early stopping monitors %A but there is no validation data; set a validation split (e.g. 0.1) or monitor the training loss" es.Monitor
            | _ -> ())
        let categorical = Loss.isCategorical config.Loss
        // (state, history newest first, best (epoch, value, params), epochs without improvement)
        let rec loop epoch (state: TrainState) history best wait =
            if epoch > config.Epochs then state, history, best, false, false
            else
                let clock = Stopwatch.StartNew()
                let state', lossSum, correct, seen, stopped = runEpoch config epoch train state
                let rate = config.Schedule (max 0 (state'.Optimizer.Step - 1))
                if stopped then
                    // an interrupted epoch: what its batches measured, no validation, no early stopping
                    let partial =
                        { Epoch = epoch
                          TrainLoss = (if seen = 0 then nan else lossSum / float seen)
                          TrainAccuracy = (if categorical && seen > 0 then Some(float correct / float seen) else None)
                          ValLoss = None
                          ValAccuracy = None
                          LearningRate = rate
                          Seconds = clock.Elapsed.TotalSeconds
                          Complete = false }
                    state', (if seen = 0 then history else partial :: history), best, false, true
                else
                let eval = validation |> Option.map (evaluate config.Loss config.BatchSize state'.Model)
                let record =
                    { Epoch = epoch
                      TrainLoss = lossSum / float train.Count
                      TrainAccuracy = (if categorical then Some(float correct / float train.Count) else None)
                      ValLoss = eval |> Option.map (fun e -> e.EvalLoss)
                      ValAccuracy = eval |> Option.bind (fun e -> e.Accuracy)
                      LearningRate = rate
                      Seconds = clock.Elapsed.TotalSeconds
                      Complete = true }
                config.OnEpoch record
                let history = record :: history
                match config.EarlyStopping with
                | None -> loop (epoch + 1) state' history best wait
                | Some es ->
                    let value = monitored es.Monitor record
                    let best, wait =
                        match best with
                        | Some(_, b, _) when not (improves es.Monitor es.MinDelta b value) -> best, wait + 1
                        | _ -> Some(epoch, value, state'.Model.Params), 0
                    if wait > 0 && wait >= es.Patience then state', history, best, true, false
                    else loop (epoch + 1) state' history best wait
        let final, history, best, stoppedEarly, cancelled = loop 1 start [] None 0
        let trained =
            match config.EarlyStopping, best with
            | Some es, Some(_, _, p) when es.RestoreBest -> { final.Model with Params = p }
            | _ -> final.Model
        { Trained = trained
          History = List.rev history
          BestEpoch = best |> Option.map (fun (e, _, _) -> e)
          StoppedEarly = stoppedEarly
          Cancelled = cancelled
          FinalState = final }

    /// Trains a model from fresh optimizer state (see fitFrom).
    let fit (config: TrainConfig) (model: Model) (data: Examples) : FitResult =
        fitFrom config (init config model) data
