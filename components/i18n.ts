import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Translate } from '../utils/ui/i18n';

/** The page's `t`, given once at the root (main.tsx) so that every component speaks the browser's language. */
export const I18n = createContext<Translate>((key) => key);

export const useT = (): Translate => useContext(I18n);
