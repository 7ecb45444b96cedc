import { Alert, message as antdMessage, Button, Card, Form, Input, Popconfirm, Select, Space, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { api, saveBlob } from '@/api/client';
import { errorText } from '@/api/errors';
import type { EvaluationProgress } from '@/api/oversight-types';
import type { Tender, TenderDocument } from '@/api/types';
import { serverNow } from '@/api/server-clock';
import { BeijingDateTimeInput } from '@/components/BeijingDateTimeInput';
import { FileInput, readFileBytes } from '@/components/FileInput';
import { yuan } from '@/lib/labels';
import { beijingLocalToIso, formatBeijingLabel, isoToBeijingLocal } from '@/lib/time';
import { base64Encode } from '@shared/sdk/core/bytes';

const DAY = 86_400_000;
/** TBR Art. 21 / GPR Art. 31: an amendment less than 15 days before the deadline must move the deadline. */
const AMEND_MIN_DAYS = 15;

interface Report {
  candidates: Array<{ rank: number; bidId: string; bidderName: string; price: string; score?: string | number | null }>;
}

/** The procuring entity's actions on its own tender, by status. */
export function OwnerActions({ tender, documents, onChanged }: { tender: Tender; documents: TenderDocument[]; onChanged: () => Promise<void> | void }) {
  const [message, messageHolder] = antdMessage.useMessage();
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const act = async (what: string, fn: () => Promise<unknown>, done: string) => {
    setBusy(what);
    setError(null);
    try {
      await fn();
      message.success(done);
      await onChanged();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(null);
    }
  };

  return (
    <Card title="招标人操作" size="small">
      {messageHolder}
      {error && <Alert type="error" title={error} showIcon style={{ marginBottom: 12 }} />}
      {tender.status === 'DRAFT' && (
        <Space orientation="vertical" style={{ width: '100%' }}>
          <Typography.Text>上传招标文件（发布前必须至少上传一份；已上传 {documents.filter((d) => d.current).length} 份），然后发布招标公告。</Typography.Text>
          <FileInput
            label="招标文件"
            buttonText="上传招标文件"
            disabled={busy !== null}
            onFiles={(files) =>
              files[0] &&
              act(
                'upload',
                async () =>
                  api.post(`/tenders/${tender.id}/documents`, {
                    name: files[0].name,
                    contentType: files[0].type || 'application/octet-stream',
                    contentBase64: base64Encode(await readFileBytes(files[0])),
                  }),
                `已上传 ${files[0].name}`,
              )
            }
          />
          <Button type="primary" loading={busy === 'publish'} onClick={() => act('publish', () => api.post(`/tenders/${tender.id}/publish`, {}), '已发布')}>
            发布
          </Button>
        </Space>
      )}
      {tender.status === 'PUBLISHED' && <AmendAndCancel tender={tender} act={act} busy={busy} />}
      {['EVALUATION', 'PUBLICITY', 'AWARDED'].includes(tender.status) && <AwardActions tender={tender} act={act} busy={busy} />}
      {tender.status === 'OPENING' && <Typography.Text>开标进行中：请进入开标大厅查看解密进度。</Typography.Text>}
      {['CONTRACTED', 'FAILED', 'CANCELLED'].includes(tender.status) && <Typography.Text type="secondary">该项目已结束，无待办操作。</Typography.Text>}
    </Card>
  );
}

type Act = (what: string, fn: () => Promise<unknown>, done: string) => Promise<void>;

function AmendAndCancel({ tender, act, busy }: { tender: Tender; act: Act; busy: string | null }) {
  const [form] = Form.useForm<{ text: string; bidDeadline?: string }>();
  const [reason, setReason] = useState('');
  const daysLeft = (Date.parse(tender.bidDeadline) - serverNow()) / DAY;
  const mustMove = daysLeft < AMEND_MIN_DAYS;
  const suggested = isoToBeijingLocal(serverNow() + AMEND_MIN_DAYS * DAY + 3_600_000);
  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <div>
        <Typography.Title level={5}>澄清或修改招标文件</Typography.Title>
        <Alert
          type={mustMove ? 'warning' : 'info'}
          showIcon
          style={{ marginBottom: 12 }}
          title={`距投标截止还有 ${Math.max(0, daysLeft).toFixed(1)} 天`}
          description={
            <>
              《招标投标法实施条例》第二十一条、《政府采购法实施条例》第三十一条：澄清或者修改的内容可能影响投标文件编制的， 应当在投标截止时间至少 {AMEND_MIN_DAYS} 日前发出；不足{' '}
              {AMEND_MIN_DAYS} 日的，应当顺延投标截止时间。
              {mustMove
                ? `现已不足 ${AMEND_MIN_DAYS} 日：请同时填写新的投标截止时间（不早于 ${suggested.replace('T', ' ')}），否则平台将拒绝。`
                : '现距截止超过 15 日，可以不顺延截止时间。'}
            </>
          }
        />
        <Form
          form={form}
          layout="vertical"
          initialValues={{ bidDeadline: mustMove ? suggested : undefined }}
          onFinish={(v) =>
            act(
              'amend',
              () => api.post(`/tenders/${tender.id}/amendments`, { text: v.text, ...(v.bidDeadline ? { bidDeadline: beijingLocalToIso(v.bidDeadline) } : {}) }),
              '澄清已发布',
            ).then(() => form.resetFields())
          }
        >
          <Form.Item label="澄清或修改内容" name="text" rules={[{ required: true, message: '请填写澄清或修改内容' }]}>
            <Input.TextArea rows={3} maxLength={20000} />
          </Form.Item>
          <Form.Item label="新的投标截止时间（北京时间，可选）" name="bidDeadline">
            <BeijingDateTimeInput />
          </Form.Item>
          <Button htmlType="submit" loading={busy === 'amend'}>
            发布澄清
          </Button>
        </Form>
      </div>
      <div>
        <Typography.Title level={5}>终止招标</Typography.Title>
        <Typography.Paragraph type="secondary">
          《招标投标法实施条例》第三十一条：终止招标的，应当及时发布公告并通知已获取招标文件的潜在投标人，退还投标保证金。
        </Typography.Paragraph>
        <Space wrap>
          <Input aria-label="终止理由" placeholder="终止理由" value={reason} onChange={(e) => setReason(e.target.value)} style={{ width: 320, maxWidth: '100%' }} />
          <Popconfirm
            title="确定终止该招标项目？"
            okText="终止"
            cancelText="取消"
            onConfirm={() => act('cancel', () => api.post(`/tenders/${tender.id}/cancel`, { reason }), '已终止')}
          >
            <Button danger disabled={!reason.trim()} loading={busy === 'cancel'}>
              终止招标
            </Button>
          </Popconfirm>
        </Space>
      </div>
    </Space>
  );
}

/** How often the owner's page asks whether the committee has signed (the report's actions then appear by themselves). */
const EVALUATION_POLL_MS = 10_000;

/**
 * The evaluation report and the steps after it. In PUBLICITY and AWARDED a report exists; in EVALUATION it exists
 * only once every member has signed, so the page first asks the evaluation's progress (GET /tenders/{id}/evaluation:
 * status, signatures, reportVersion) and reads the report only when the evaluation is COMPLETED — a 409
 * REPORT_NOT_READY is never the page's ordinary answer (it would log a console error). Until then the progress is
 * shown and asked again every EVALUATION_POLL_MS.
 */
/** The evaluation has produced its signed report (a re-examination, back IN_PROGRESS, supersedes the last one). */
const reportReady = (p: EvaluationProgress) => p.status === 'COMPLETED' && p.reportVersion !== null;

/** While the committee evaluates: where it stands (seats, signatures), never its verdicts. */
function EvaluationUnderway({ tender, progress }: { tender: Tender; progress: EvaluationProgress }) {
  return (
    <Space orientation="vertical" size="small" style={{ width: '100%' }} aria-label="评标进度">
      <Typography.Title level={5}>评标进行中</Typography.Title>
      {progress.status === 'AWAITING_COMPETITION_DECISION' ? (
        <Typography.Text>有效投标不足三个，等待评标委员会决定是否继续评标。</Typography.Text>
      ) : (
        <Typography.Text>
          {progress.round > 1 ? `第${progress.round}轮评审：` : ''}评标委员会 {progress.seats} 席，已到位 {progress.sitting} 人，已签名 {progress.signed} 人
          {progress.invited > 0 ? `，待确认 ${progress.invited} 人` : ''}。
        </Typography.Text>
      )}
      <Typography.Text type="secondary">
        评标报告经评标委员会全体成员签名后在此显示，届时可下载报告并{tender.regime === 'ENGINEERING' ? '开始公示' : '确定中标人'}。
      </Typography.Text>
    </Space>
  );
}

function AwardActions({ tender, act, busy }: { tender: Tender; act: Act; busy: string | null }) {
  const [report, setReport] = useState<Report | null>(null);
  const [progress, setProgress] = useState<EvaluationProgress | null>(null);
  const [reportError, setReportError] = useState<string | null>(null);
  const [winner, setWinner] = useState<string | undefined>();
  const [publicityEnd, setPublicityEnd] = useState('');
  const [signedAt, setSignedAt] = useState(''); // empty: now (the notice of award precedes the contract)
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setReport(null);
    setProgress(null);
    setReportError(null);
    const readReport = () =>
      api.get<Report>(`/tenders/${tender.id}/evaluation-report`).then(
        (r) => {
          if (!live) return;
          setReport(r);
          setWinner(r.candidates[0]?.bidId);
        },
        (e) => live && setReportError(errorText(e)),
      );
    const readProgress = async () => {
      try {
        const p = await api.get<EvaluationProgress>(`/tenders/${tender.id}/evaluation`);
        if (!live) return;
        setProgress(p);
        if (reportReady(p)) await readReport();
        else timer = setTimeout(() => void readProgress(), EVALUATION_POLL_MS);
      } catch (e) {
        if (live) setReportError(errorText(e));
      }
    };
    void (tender.status === 'EVALUATION' ? readProgress() : readReport());
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [tender.id, tender.status]);
  if (reportError) return <Typography.Text type="secondary">评标报告尚未形成：{reportError}</Typography.Text>;
  if (!report && progress && !reportReady(progress)) return <EvaluationUnderway tender={tender} progress={progress} />;
  if (!report) return null;
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={5}>评标报告</Typography.Title>
      <ol style={{ margin: 0 }}>
        {report.candidates.map((c) => (
          <li key={c.bidId}>
            第{c.rank}名：{c.bidderName}，报价 {yuan(c.price)}
            {c.score !== undefined && c.score !== null ? `，得分 ${c.score}` : ''}
          </li>
        ))}
      </ol>
      <Button onClick={async () => saveBlob(await api.blob(`/tenders/${tender.id}/evaluation-report.pdf`), `评标报告-${tender.title}.pdf`)}>下载评标报告（PDF）</Button>
      {tender.status === 'EVALUATION' && tender.regime === 'ENGINEERING' && (
        <Space wrap>
          <label htmlFor="publicity-end">公示截止（北京时间，可选，默认法定 3 日）</label>
          <BeijingDateTimeInput id="publicity-end" value={publicityEnd} onChange={setPublicityEnd} />
          <Button
            type="primary"
            loading={busy === 'publicity'}
            onClick={() => act('publicity', () => api.post(`/tenders/${tender.id}/publicity`, publicityEnd ? { endsAt: beijingLocalToIso(publicityEnd) } : {}), '已开始公示')}
          >
            开始公示
          </Button>
        </Space>
      )}
      {(tender.status === 'PUBLICITY' || (tender.status === 'EVALUATION' && tender.regime === 'GOV_PROCUREMENT')) && (
        <Space wrap>
          <Select
            aria-label="中标人"
            value={winner}
            onChange={setWinner}
            style={{ width: 280, maxWidth: '100%' }}
            options={report.candidates.map((c) => ({ value: c.bidId, label: `第${c.rank}名 ${c.bidderName}` }))}
          />
          <Button
            type="primary"
            disabled={!winner}
            loading={busy === 'award'}
            onClick={() => act('award', () => api.post(`/tenders/${tender.id}/award`, { bidId: winner }), '已确定中标人')}
          >
            确定中标人
          </Button>
        </Space>
      )}
      {tender.status === 'AWARDED' && (
        <Space wrap>
          <label htmlFor="contract-signed">合同签订时间（北京时间，不填为当前时间）</label>
          <BeijingDateTimeInput id="contract-signed" value={signedAt} onChange={setSignedAt} />
          <Button
            type="primary"
            loading={busy === 'contract'}
            onClick={() => act('contract', () => api.post(`/tenders/${tender.id}/contract`, { signedAt: beijingLocalToIso(signedAt) ?? undefined }), '已登记合同')}
          >
            登记合同
          </Button>
        </Space>
      )}
      <Typography.Text type="secondary">投标截止：{formatBeijingLabel(tender.bidDeadline)}</Typography.Text>
    </Space>
  );
}
