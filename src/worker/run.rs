//! A fit as the page asks for it: in the store's worker; on this thread when no worker can start;
//! and, when the worker dies on a GPU (a crash in the GPU runtime takes the thread with it) or the
//! WebGPU worker cannot start (its module did not load), again on the CPU in a worker running the
//! page's module, resuming from the last checkpoint the old one sent.

use filmspace_core::protocol::{FitReply, FitRequest};

use super::client::{JobError, Remote, WorkerSlot};
use super::fit::run_panel_fit_here;

/// Where a fit ran, for the page to say.
pub enum Placement {
    Worker,
    MainThread(String),
}

/// Runs `request` to its last reply (Finished, Stopped or Failed), passing every reply on.
pub async fn fit(
    slot: WorkerSlot,
    mut request: FitRequest,
    remote: &Remote,
    on_placement: &mut dyn FnMut(Placement),
    on_reply: &mut dyn FnMut(FitReply),
) {
    let mut checkpoint: Option<(usize, usize, String)> = None;
    loop {
        let outcome = match slot.get_for(request.gpu) {
            Ok(worker) => {
                on_placement(Placement::Worker);
                let mut relay = |reply: FitReply| {
                    if let FitReply::Checkpoint { part, epoch, json } = &reply {
                        checkpoint = Some((*part, *epoch, json.clone()));
                    }
                    on_reply(reply);
                };
                worker.fit(request.clone(), remote, &mut relay).await
            }
            Err(why) => Err(JobError::Unstarted(why)),
        };
        match outcome {
            Ok(()) => return,
            Err(JobError::Unstarted(why)) if request.gpu => {
                let error = format!("the WebGPU worker did not start: {why}");
                on_reply(FitReply::FellBack {
                    error,
                    resumed_at: 0,
                });
                request.gpu = false;
                request.fault = None;
            }
            Err(JobError::Unstarted(why)) => {
                // The fallback only: training steps on the page's thread, yielding between them.
                on_placement(Placement::MainThread(why));
                request.gpu = false;
                return run_panel_fit_here(request, &remote.controls, on_reply).await;
            }
            Err(JobError::Died(error)) if request.gpu => {
                let resumed_at = checkpoint.as_ref().map_or(0, |c| c.1);
                let error = format!("the training worker stopped: {error}");
                on_reply(FitReply::FellBack { error, resumed_at });
                request.gpu = false;
                request.fault = None;
                request.resume = checkpoint.take().map(|(part, _, json)| (part, json));
            }
            Err(JobError::Died(error)) => {
                return on_reply(FitReply::Failed(format!(
                    "the training worker stopped: {error}"
                )));
            }
        }
    }
}
