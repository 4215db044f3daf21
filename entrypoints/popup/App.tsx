import { useEffect, useState } from 'preact/hooks';
import { DeclareForm, type DeclareValues } from '../../components/DeclareForm';
import { DetectionList } from '../../components/DetectionList';
import { RecordStatus } from '../../components/RecordStatus';
import type { TabDetections } from '../../utils/messaging';
import type { OutboxView } from '../../utils/outbox/view';
import type { Presets } from '../../utils/presets/schema';
import { suggest } from '../../utils/presets/suggest';
import type { PriorLookup } from '../../utils/records/prior';
import type { Api } from '../../utils/ui/api';

interface Props {
  api: Api;
  /** The tab to read; the active tab when absent. */
  tabId?: number | undefined;
}

const FINAL_STATES = new Set<OutboxView['state']>(['synced', 'needs-attention']);

export function App({ api, tabId }: Props) {
  const [tab, setTab] = useState<TabDetections>();
  const [presets, setPresets] = useState<Presets>();
  const [selected, setSelected] = useState(0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ message: string; retry?: DeclareValues }>();
  const [declaredId, setDeclaredId] = useState<string>();
  const [view, setView] = useState<OutboxView | null>();
  const [prior, setPrior] = useState<Record<string, PriorLookup>>({});

  useEffect(() => {
    Promise.all([api.call('tab.detections', { tabId }), api.call('presets.get', {})])
      .then(([detections, loaded]) => {
        setTab(detections);
        setPresets(loaded);
        // The duplicate check follows the detections and never holds up the form.
        const sourceIds = detections.detections.map((d) => d.source.sourceId);
        if (sourceIds.length) api.call('records.prior', { sourceIds }).then(setPrior, () => undefined);
      })
      .catch((e: Error) => setError({ message: e.message }));
  }, [api, tabId]);

  // Follow the declared record until it reaches a final state.
  useEffect(() => {
    if (!declaredId) return;
    let stopped = false;
    const poll = async () => {
      const next = await api.call('record.get', { id: declaredId }).catch(() => undefined);
      if (stopped) return;
      if (next !== undefined) setView(next);
      if (!next || !FINAL_STATES.has(next.state)) setTimeout(poll, 400);
    };
    poll();
    return () => {
      stopped = true;
    };
  }, [api, declaredId]);

  const detection = tab?.detections[selected];

  const declare = async (values: DeclareValues, metadataOnly = false) => {
    if (!detection || !tab) return;
    setBusy(true);
    setError(undefined);
    try {
      const result = await api.call('record.declare', {
        tabId: tab.tabId,
        detection,
        title: values.title,
        profileId: values.profileId || undefined,
        categoryId: values.categoryId || undefined,
        tags: values.tags,
        fields: {},
        metadataOnly,
      });
      if (result.ok) setDeclaredId(result.id);
      else setError({ message: result.error, ...(result.canDeclareMetadataOnly ? { retry: values } : {}) });
    } catch (e) {
      setError({ message: (e as Error).message });
    } finally {
      setBusy(false);
    }
  };

  if (view) return <RecordStatus view={view} />;
  if (declaredId) return <p class="status">Declared.</p>;
  return (
    <>
      {error && (
        <div class="error" role="alert">
          <p>{error.message}</p>
          {error.retry && (
            <button type="button" onClick={() => error.retry && declare(error.retry, true)}>
              Declare without the content
            </button>
          )}
        </div>
      )}
      {!tab || !presets ? (
        !error && <p class="loading">Looking at this page…</p>
      ) : detection ? (
        <>
          <DetectionList detections={tab.detections} selected={selected} onSelect={setSelected} />
          <DeclareForm
            key={detection.source.sourceId}
            detection={detection}
            presets={presets}
            suggestion={suggest(presets, detection)}
            prior={prior[detection.source.sourceId]}
            busy={busy}
            onDeclare={(values) => declare(values)}
          />
        </>
      ) : (
        <p class="empty">{tab.error ?? 'Nothing to declare on this page.'}</p>
      )}
    </>
  );
}
