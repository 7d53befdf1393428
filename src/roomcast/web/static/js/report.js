// The report sheet, shared by profiles and rooms: reports go to the admins' queue.
import { api } from './api.js';
import { toast } from './ui.js';

export function reporter(target) {
  const dialog = document.getElementById('report-dialog');
  const form = document.getElementById('report-form');
  const error = document.getElementById('report-error');
  document.getElementById('report-cancel').addEventListener('click', () => dialog.close());
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await api('POST', '/api/reports', { ...target, reason: form.elements.reason.value.trim() });
      dialog.close();
      form.reset();
      toast('Thanks: the admins will look at it.');
    } catch (err) {
      error.textContent = err.message;
      error.hidden = false;
    }
  });
  return () => { error.hidden = true; dialog.showModal(); };
}
