package io.tributary.ra;

import jakarta.resource.spi.work.ExecutionContext;
import jakarta.resource.spi.work.Work;
import jakarta.resource.spi.work.WorkEvent;
import jakarta.resource.spi.work.WorkException;
import jakarta.resource.spi.work.WorkListener;
import jakarta.resource.spi.work.WorkManager;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The WorkManager of a test without an application server: {@code doWork} runs the work on the
 * caller's thread, {@code startWork} and {@code scheduleWork} on a new plain thread that this
 * manager remembers, so a test can check that every work has finished after the adapter stopped.
 */
final class InlineWorkManager implements WorkManager {
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final List<Work> scheduled = new CopyOnWriteArrayList<>();

    @Override
    public void doWork(Work work) {
        work.run();
    }

    @Override
    public void doWork(Work work, long startTimeout, ExecutionContext ctx, WorkListener listener) {
        accepted(work, listener);
        started(work, listener);
        try {
            work.run();
        } finally {
            completed(work, listener);
        }
    }

    @Override
    public long startWork(Work work) {
        scheduleWork(work);
        return 0;
    }

    @Override
    public long startWork(Work work, long startTimeout, ExecutionContext ctx, WorkListener listener) {
        scheduleWork(work, startTimeout, ctx, listener);
        return 0;
    }

    @Override
    public void scheduleWork(Work work) {
        scheduleWork(work, INDEFINITE, null, null);
    }

    @Override
    public void scheduleWork(Work work, long startTimeout, ExecutionContext ctx, WorkListener listener) {
        accepted(work, listener);
        scheduled.add(work);
        Thread t = new Thread(() -> {
            started(work, listener);
            try {
                work.run();
            } finally {
                completed(work, listener);
            }
        }, "test-work-" + threads.size());
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    /** Every work given to {@code scheduleWork} or {@code startWork}, in order. */
    List<Work> scheduled() {
        return scheduled;
    }

    /** Waits until every scheduled work has returned; true when all did within {@code millis}. */
    boolean awaitIdle(long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        for (Thread t : threads) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) return !t.isAlive();
            t.join(left);
            if (t.isAlive()) return false;
        }
        return true;
    }

    private static void accepted(Work work, WorkListener l) {
        if (l != null) l.workAccepted(new WorkEvent(work, WorkEvent.WORK_ACCEPTED, work, null));
    }

    private static void started(Work work, WorkListener l) {
        if (l != null) l.workStarted(new WorkEvent(work, WorkEvent.WORK_STARTED, work, null));
    }

    private static void completed(Work work, WorkListener l) {
        if (l != null) l.workCompleted(new WorkEvent(work, WorkEvent.WORK_COMPLETED, work, (WorkException) null));
    }
}
