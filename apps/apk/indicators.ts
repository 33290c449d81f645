/**
 * What an Android app is built to do, from the permissions its manifest asks
 * for and the APIs its code names. One alone is rarely proof (a messenger
 * reads SMS, a launcher starts at boot), so they are weighted and summed.
 */

export interface ApkEvidence {
  permissions: Set<string>;
  /** classes.dex strings: class descriptors, method names, literals. */
  code: Set<string>;
}

export interface ApkIndicator {
  id: string;
  weight: number;
  description: string;
  test(e: ApkEvidence): boolean;
}

const perm = (e: ApkEvidence, name: string) => e.permissions.has(`android.permission.${name}`);
const uses = (e: ApkEvidence, ...names: string[]) => names.every((n) => e.code.has(n));

export const APK_INDICATORS: ApkIndicator[] = [
  { id: 'sms-send', weight: 4, description: 'sends SMS from code with the SEND_SMS permission (premium-rate fraud, spreading)', test: (e) => perm(e, 'SEND_SMS') && uses(e, 'sendTextMessage') },
  { id: 'sms-permission', weight: 2, description: 'asks to send, receive or read SMS (one-time-code theft)', test: (e) => ['SEND_SMS', 'RECEIVE_SMS', 'READ_SMS'].some((p) => perm(e, p)) && !(perm(e, 'SEND_SMS') && uses(e, 'sendTextMessage')) },
  { id: 'device-admin', weight: 3, description: 'device administrator: can lock the screen or wipe (ransomware keeps itself installed)', test: (e) => perm(e, 'BIND_DEVICE_ADMIN') || uses(e, 'Landroid/app/admin/DevicePolicyManager;', 'lockNow') },
  { id: 'overlay', weight: 3, description: 'draws windows over other apps from a background service (screen lockers, phishing overlays)', test: (e) => perm(e, 'SYSTEM_ALERT_WINDOW') && uses(e, 'Landroid/view/WindowManager;', 'addView', 'Landroid/app/Service;') },
  { id: 'accessibility', weight: 3, description: 'accessibility service: reads and drives other apps (banking trojans)', test: (e) => perm(e, 'BIND_ACCESSIBILITY_SERVICE') },
  { id: 'boot-start', weight: 1, description: 'starts itself at boot', test: (e) => perm(e, 'RECEIVE_BOOT_COMPLETED') },
  { id: 'installs-packages', weight: 2, description: 'asks to install other packages (dropper)', test: (e) => perm(e, 'REQUEST_INSTALL_PACKAGES') || perm(e, 'INSTALL_PACKAGES') },
  { id: 'contacts-out', weight: 1, description: 'reads contacts and has network access', test: (e) => perm(e, 'READ_CONTACTS') && perm(e, 'INTERNET') },
  { id: 'dynamic-code', weight: 3, description: 'loads code from a file at run time (DexClassLoader: the payload is not in the APK)', test: (e) => uses(e, 'Ldalvik/system/DexClassLoader;') },
  { id: 'shell-exec', weight: 2, description: 'runs shell commands (Runtime.exec)', test: (e) => uses(e, 'Ljava/lang/Runtime;', 'exec') },
  { id: 'root', weight: 3, description: 'calls su (asks for root)', test: (e) => e.code.has('su') || e.code.has('/system/bin/su') || e.code.has('/system/xbin/su') },
];
