namespace FuncCnn.Core

open FuncCnn

open FuncCnn.Core
open FuncCnn.Core.Data
open System
open System.Diagnostics

/// Which training step a benchmark times.
type StepKind =
    /// What `Train.fit` runs: the loop owns its state and steps it in place with one workspace.
    | FitLoopStep
    /// The pure `Train.step`: reused activations, fresh parameters and moments every step.
    | PureStep

/// What timing training steps measured: wall times in ms (p10/p90 by linear interpolation),
/// bytes allocated per step (GC.GetTotalAllocatedBytes, all threads) and the collections of each
/// generation that happened during the timed steps (after a full collection that ends the warm-up).
type StepTimings =
    { Preset: string
      Parameters: int
      Batch: int
      Warmup: int
      Kind: StepKind
      /// "mnist" or "random" (seeded pixels when MNIST is not found).
      Data: string
      Times: float[]
      Median: float
      P10: float
      P90: float
      Min: float
      Max: float
      AllocatedBytesPerStep: float
      Gen0: int
      Gen1: int
      Gen2: int }

/// Times training steps of a zoo classifier: the measurement behind `funccnn bench` and the
/// benchmark harness's `step` (one source for both).
module StepBenchmark =
    /// The q-quantile (0..1) of the values, by linear interpolation between order statistics.
    let quantile (q: float) (xs: float[]) =
        if xs.Length = 0 then nan
        else
            let s = Array.sort xs
            let pos = q * float (s.Length - 1)
            let lo = int (floor pos)
            let hi = min (s.Length - 1) (lo + 1)
            s.[lo] + (pos - float lo) * (s.[hi] - s.[lo])

    /// The first `batch` MNIST training images, or seeded random pixels when MNIST is not found,
    /// with labels folded into the model's classes.
    let private inputs (inputShape: int[]) (classes: int) (batch: int) =
        let fromMnist =
            if inputShape = Zoo.mnistInput then
                try
                    let train, _ = Mnist.load None
                    if Dataset.count train < batch then None
                    else Some(Dataset.toTensor (Array.init batch id) train, Array.init batch (fun i -> train.Labels.[i] % classes), "mnist")
                with :? FuncCnnException -> None
            else None
        match fromMnist with
        | Some found -> found
        | None ->
            let x = Tensor.ofArray (Array.append [| batch |] inputShape) (Rng.uniform 0.0f 1.0f (batch * Shape.numel inputShape) (Rng.create 1L))
            x, Array.init batch (fun i -> i % classes), "random"

    /// Times `steps` training steps of the preset at a batch size after `warmup` untimed ones
    /// (the same batch every step, Keras' default Adam).
    let run (kind: StepKind) (preset: string) (batch: int) (warmup: int) (steps: int) : StepTimings =
        if batch < 1 then Fail.value "bench: the batch size must be at least 1, got %d" batch
        if steps < 1 then Fail.value "bench: at least one timed step is needed, got %d" steps
        if warmup < 0 then Fail.value "bench: warm-up steps must be at least 0, got %d" warmup
        let arch, inputShape = Zoo.preset preset
        let model = Model.build (Rng.create 0L) inputShape arch
        if model.OutputShape.Length <> 1 then
            Fail.value "bench: times classifiers; preset '%s' outputs %s" preset (Shape.show model.OutputShape)
        let x, labels, source = inputs inputShape model.OutputShape.[0] batch
        let config = { Train.defaults with BatchSize = batch }
        let targets = Labels labels
        let step: unit -> unit =
            match kind with
            | PureStep ->
                let mutable state = Train.init config model
                fun () -> state <- fst (TrainStep.stepWith config state x targets)
            | FitLoopStep ->
                let ws = Kernels.Setup.Workspace()
                let mutable state = TrainStep.own (Train.init config model)
                fun () -> state <- fst (TrainStep.stepInPlace ws config state (fun () -> x, targets))
        for _ in 1 .. warmup do step ()
        // The warm-up made the workspace (tens of MB of large-object arrays, once); collect that
        // start-up garbage now so the timed steps show the steady state, not its aftermath.
        GC.Collect()
        GC.WaitForPendingFinalizers()
        GC.Collect()
        let gen0, gen1, gen2 = GC.CollectionCount 0, GC.CollectionCount 1, GC.CollectionCount 2
        let allocated = GC.GetTotalAllocatedBytes true
        let times =
            Array.init steps (fun _ ->
                let sw = Stopwatch.StartNew()
                step ()
                sw.Elapsed.TotalMilliseconds)
        let allocatedPerStep = float (GC.GetTotalAllocatedBytes true - allocated) / float steps
        { Preset = preset
          Parameters = ParamTree.count model.Params
          Batch = batch
          Warmup = warmup
          Kind = kind
          Data = source
          Times = times
          Median = quantile 0.5 times
          P10 = quantile 0.1 times
          P90 = quantile 0.9 times
          Min = Array.min times
          Max = Array.max times
          AllocatedBytesPerStep = allocatedPerStep
          Gen0 = GC.CollectionCount 0 - gen0
          Gen1 = GC.CollectionCount 1 - gen1
          Gen2 = GC.CollectionCount 2 - gen2 }
