namespace FuncCnn.Core

open FuncCnn

open FuncCnn.Core

/// Early stopping's bookkeeping over epochs: the best epoch so far (its number, monitored value
/// and parameters) and how many epochs have passed without improving on it.
type internal EarlyStoppingWatch = { Best: (int * float * ParamTree) option; Wait: int }

/// When to stop and what to restore (Keras' EarlyStopping); the fit loop asks after every
/// complete epoch.
[<CompilationRepresentation(CompilationRepresentationFlags.ModuleSuffix)>]
module internal EarlyStopping =
    /// The settings are usable with this validation data, or a clear error.
    let validate (es: EarlyStopping) (hasValidation: bool) =
        if es.Patience < 0 then Fail.value "early stopping patience must be at least 0, got %d" es.Patience
        match es.Monitor with
        | ValLoss | ValAccuracy when not hasValidation ->
            Fail.value "early stopping monitors %A but there is no validation data; set a validation split (e.g. 0.1) or monitor the training loss" es.Monitor
        | _ -> ()

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

    /// Nothing watched yet.
    let start = { Best = None; Wait = 0 }

    /// The watch after a complete epoch whose parameters are `p`, and whether training stops there.
    let observe (es: EarlyStopping) (epoch: int) (record: EpochRecord) (p: ParamTree) (watch: EarlyStoppingWatch) =
        let value = monitored es.Monitor record
        let watch =
            match watch.Best with
            | Some(_, b, _) when not (improves es.Monitor es.MinDelta b value) -> { watch with Wait = watch.Wait + 1 }
            | _ -> { Best = Some(epoch, value, p); Wait = 0 }
        watch, watch.Wait > 0 && watch.Wait >= es.Patience

    /// The parameters to return: the best epoch's with RestoreBest, else the last ones.
    let restore (es: EarlyStopping option) (watch: EarlyStoppingWatch) (model: Model) =
        match es, watch.Best with
        | Some es, Some(_, _, p) when es.RestoreBest -> { model with Params = p }
        | _ -> model

    /// The best epoch's number, if early stopping judged one.
    let bestEpoch (watch: EarlyStoppingWatch) = watch.Best |> Option.map (fun (e, _, _) -> e)
