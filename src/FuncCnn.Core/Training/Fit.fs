namespace FuncCnn.Core

open FuncCnn

open FuncCnn.Core
open System
open System.Diagnostics

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

/// The fit loop: a fold over epochs and, inside each, over seeded shuffled batches; Train
/// re-exports it.
module internal Fit =
    /// One epoch as a fold over its batches, stopping early when config.ShouldStop says so; fails
    /// naming epoch and batch on a non-finite loss. Returns the state, the summed loss, the correct
    /// count, the examples seen and whether it was stopped.
    let private runEpoch (ws: Kernels.Setup.Workspace) (config: TrainConfig) (epoch: int) (train: Examples) (state: TrainState) =
        let order =
            if config.Shuffle then Rng.create config.Seed |> Rng.fold "shuffle" |> Rng.fold (string epoch) |> Rng.permutation train.Count
            else Array.init train.Count id
        let batches = Examples.batchIndices config.BatchSize order
        let categorical = Loss.isCategorical config.Loss
        let rec go b (state: TrainState) lossSum correct seen =
            if b = batches.Length then state, lossSum, correct, seen, false
            elif config.ShouldStop () then state, lossSum, correct, seen, true
            else
                let state', r = TrainStep.stepInPlace ws config state (fun () -> train.Gather batches.[b])
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
        let firstRate = config.Schedule 0
        if not (Single.IsFinite firstRate && firstRate > 0.0f) then
            Fail.value "the learning rate must be a finite number above 0 (e.g. 0.001), got %g" firstRate
        let train, validation =
            match config.Validation with
            | NoValidation -> data, None
            | ValidationSplit f -> let t, v = Examples.split f data in t, Some v
            | ValidationSet v -> data, Some v
        if train.Count = 0 then Fail.value "fit: no training examples"
        config.EarlyStopping |> Option.iter (fun es -> EarlyStopping.validate es validation.IsSome)
        let categorical = Loss.isCategorical config.Loss
        let ws = Kernels.Setup.Workspace()
        // (state, history newest first, the early-stopping watch)
        let rec loop epoch (state: TrainState) history watch =
            if epoch > config.Epochs then state, history, watch, false, false
            else
                let clock = Stopwatch.StartNew()
                let state', lossSum, correct, seen, stopped = runEpoch ws config epoch train state
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
                    state', (if seen = 0 then history else partial :: history), watch, false, true
                else
                let eval = validation |> Option.map (Evaluation.evaluate config.Loss config.BatchSize state'.Model)
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
                | None -> loop (epoch + 1) state' history watch
                | Some es ->
                    // the loop steps its parameters in place: early stopping keeps a copy
                    let snapshot = state'.Model.Params |> ParamTree.map (fun t -> Tensor.wrap t.Dims (Array.copy t.Data))
                    let watch, stop = EarlyStopping.observe es epoch record snapshot watch
                    if stop then state', history, watch, true, false
                    else loop (epoch + 1) state' history watch
        // The loop owns copies of the start state's arrays and steps them in place with one workspace
        // (this model, this batch size): the caller's state is untouched, and the final state is
        // handed out only when nothing steps it any more.
        let final, history, watch, stoppedEarly, cancelled = loop 1 (TrainStep.own start) [] EarlyStopping.start
        { Trained = EarlyStopping.restore config.EarlyStopping watch final.Model
          History = List.rev history
          BestEpoch = EarlyStopping.bestEpoch watch
          StoppedEarly = stoppedEarly
          Cancelled = cancelled
          FinalState = final }

    /// Trains a model from fresh optimizer state (see fitFrom).
    let fit (config: TrainConfig) (model: Model) (data: Examples) : FitResult =
        fitFrom config (TrainStep.init config model) data
