import logUpdate from 'log-update';
import { secrets, type EpochRecord, type RunEvent, type RunEvents } from '@prd/core';
import { bar, count, duration, metric, paint } from './format.js';

/** Where progress goes and how. */
export interface ProgressOptions {
  /** Live, rewritten lines (a terminal) or one plain line per event (CI, logs, pipes). */
  live: boolean;
  /** Colour output. */
  color: boolean;
  write: (line: string) => void;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** One line describing an epoch: loss, validation loss, other metrics, speed and time left. */
export function epochLine(record: EpochRecord, epochs: number, samplesPerSecond: number, etaMs: number): string {
  const { loss, val_loss: valLoss, ...rest } = record.metrics;
  const parts = [`epoch ${record.epoch}/${epochs}`, `loss ${metric(loss)}`];
  if (valLoss !== undefined) parts.push(`val_loss ${metric(valLoss)}`);
  for (const [name, value] of Object.entries(rest)) parts.push(`${name} ${metric(value)}`);
  parts.push(`${count(samplesPerSecond)} samples/s`, duration(record.durationMs));
  if (etaMs > 0) parts.push(`ETA ${duration(etaMs)}`);
  return parts.join('  ');
}

/**
 * Renders a run's events: on a terminal, finished steps and epochs as lines with a live status line below; elsewhere,
 * one plain line per step, epoch and warning. Returns a function that stops rendering.
 */
export function renderProgress(events: RunEvents, options: ProgressOptions): () => void {
  const c = (color: Parameters<typeof paint>[0], text: string) => paint(color, text, options.color);
  let status = '';
  let frame = 0;
  let stepStarted = Date.now();
  const persist = (line: string) => {
    if (options.live) logUpdate.clear();
    options.write(secrets.redact(line));
    if (options.live && status) logUpdate(secrets.redact(status));
  };
  let lastDraw = 0;
  const draw = () => {
    lastDraw = Date.now();
    logUpdate(secrets.redact(`${c('cyan', SPINNER[frame++ % SPINNER.length])} ${status}`));
  };
  // Batches can arrive thousands of times a second; the terminal is redrawn at most ~12 times a second.
  const live = (line: string) => {
    status = line;
    if (options.live && Date.now() - lastDraw > 80) draw();
  };
  const timer = options.live ? setInterval(() => status && draw(), 120) : undefined;
  timer?.unref();

  const stop = events.on((event: RunEvent) => {
    switch (event.type) {
      case 'run:start':
        persist(`${c('bold', 'prd run')} ${event.runId}  →  ${event.runDir}`);
        break;
      case 'step:start':
        stepStarted = Date.now();
        if (options.live) live(`${event.step}${event.detail ? ` (${event.detail})` : ''}…`);
        break;
      case 'step:end': {
        status = '';
        const tag = event.cached ? c('dim', ' (cached)') : '';
        persist(`${c('green', '✓')} ${event.step.padEnd(9)} ${duration(event.durationMs).padStart(7)}${tag}${event.summary ? `  ${c('dim', event.summary)}` : ''}`);
        break;
      }
      case 'step:skip':
        persist(`${c('dim', `- ${event.step.padEnd(9)} skipped: ${event.reason}`)}`);
        break;
      case 'progress': {
        if (!options.live) break;
        const fraction = event.total ? event.done / event.total : undefined;
        const eta = event.etaMs ? `  ETA ${duration(event.etaMs)}` : '';
        live(`${event.step} ${fraction !== undefined ? `${bar(fraction)} ${count(event.done)}/${count(event.total!)}` : count(event.done)} ${event.unit}${eta}  ${duration(Date.now() - stepStarted)}`);
        break;
      }
      case 'epoch:start':
        if (options.live) live(`epoch ${event.epoch}/${event.epochs} ${bar(0)} 0/${count(event.batches)}`);
        break;
      case 'batch':
        if (options.live) {
          const eta = event.etaMs !== undefined ? `  ETA ${duration(event.etaMs)}` : '';
          live(`epoch ${event.epoch} ${bar(event.batch / event.batches)} ${count(event.batch)}/${count(event.batches)}  loss ${metric(event.loss)}${eta}`);
        }
        break;
      case 'epoch':
        persist(`  ${epochLine(event.record, event.epochs, event.samplesPerSecond, event.etaMs)}`);
        break;
      case 'log':
        if (event.level === 'debug') break;
        persist(event.level === 'warn' ? c('yellow', `warning: ${event.message}`) : event.message);
        break;
      case 'run:end': {
        status = '';
        const color = event.status === 'FINISHED' ? 'green' : 'red';
        persist(`${c(color, event.status.toLowerCase())} in ${duration(event.durationMs)}  →  ${event.runDir}`);
        break;
      }
    }
  });
  return () => {
    stop();
    if (timer) clearInterval(timer);
    if (options.live) logUpdate.done();
  };
}
