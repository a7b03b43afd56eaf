// 자동로그아웃 (KISA practice, as the seed's portal shows "자동로그아웃 안내"): after 30 minutes
// without activity the member is signed out; two minutes before, a dialog says so and offers 연장,
// which renews the access token (the service's own 30-minute lifetime) and starts the 30 minutes again.

import { refreshSession, session } from './api.js';
import { announce, h, setText, uid } from './dom.js';
import { t } from './i18n.js';

export const IDLE_MS = 30 * 60 * 1000;
export const WARNING_MS = 2 * 60 * 1000;
const ACTIVITY = ['pointerdown', 'keydown', 'input', 'wheel', 'touchstart'];

/**
 * Watches activity while a member is signed in. `onTimeout` signs out (the app's logout). Answers
 * `{ start, stop, extend }`; `start` is called on sign-in and on each load with a session.
 */
export function idleLogout({ onTimeout }) {
  let deadline = 0;
  let ticking = null;
  let dialog = null;
  let lastActivity = 0;

  const stop = () => {
    if (ticking) clearInterval(ticking);
    ticking = null;
    closeDialog();
  };

  const closeDialog = () => {
    if (!dialog) return;
    const returnTo = dialog.returnFocus;
    dialog.node.close();
    dialog.node.remove();
    dialog = null;
    if (returnTo?.isConnected) returnTo.focus();
  };

  const extend = async () => {
    deadline = Date.now() + IDLE_MS;
    closeDialog();
    // 연장 also renews the access token, which the service lets live 30 minutes.
    if (session.refresh()) await refreshSession();
    announce(t('idle.extended'));
  };

  const openDialog = () => {
    const headingId = uid('idle-heading');
    const textId = uid('idle-text');
    const left = h('p', { class: 'idle-left' });
    const extendButton = h('button', { type: 'button', class: 'button primary', i18n: 'idle.extend', on: { click: extend } });
    const logoutButton = h('button', { type: 'button', class: 'button', i18n: 'nav.logout', on: { click: () => timeout(false) } });
    const node = h(
      'dialog',
      { class: 'idle-dialog', attrs: { 'aria-labelledby': headingId, 'aria-describedby': textId, role: 'alertdialog' } },
      h('h2', { id: headingId, i18n: 'idle.heading' }),
      h('p', { id: textId, i18n: 'idle.text' }),
      left,
      h('div', { class: 'actions' }, extendButton, logoutButton),
    );
    // Escape would close the dialog without a choice: it means 연장, the harmless one.
    node.addEventListener('cancel', (event) => {
      event.preventDefault();
      extend();
    });
    document.body.append(node);
    dialog = { node, left, returnFocus: document.activeElement };
    node.showModal();
    extendButton.focus();
  };

  const timeout = (automatic = true) => {
    stop();
    onTimeout({ automatic });
  };

  const tick = () => {
    const left = deadline - Date.now();
    if (left <= 0) {
      timeout(true);
      return;
    }
    if (left <= WARNING_MS) {
      if (!dialog) openDialog();
      const seconds = Math.ceil(left / 1000);
      setText(dialog.left, 'idle.left', { time: `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}` });
    }
  };

  // Activity moves the deadline, except while the warning is open: there only 연장 extends.
  const onActivity = () => {
    if (!ticking || dialog) return;
    const now = Date.now();
    if (now - lastActivity < 1000) return;
    lastActivity = now;
    deadline = now + IDLE_MS;
  };
  for (const type of ACTIVITY) document.addEventListener(type, onActivity, { capture: true, passive: true });

  const start = () => {
    deadline = Date.now() + IDLE_MS;
    if (!ticking) ticking = setInterval(tick, 1000);
  };

  return { start, stop, extend };
}
