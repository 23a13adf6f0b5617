namespace FuncCnn.Core

open FuncCnn

open FuncCnn.Core

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

/// The starting point for a config (change fields with `{ Train.defaults with ... }`).
module TrainConfig =
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
